using Xunit;
using static NormLab.Tests.GradCheck;

namespace NormLab.Tests.Autograd;

/// <summary>Finite-difference checks of every differentiable op in <see cref="Ops"/>.</summary>
public class OpsGradTests
{
    private static Tensor U(int seed, params int[] shape) => Uniform(seed, -1.5, 1.5, shape);
    private static Tensor Positive(int seed, params int[] shape) => Uniform(seed, 0.5, 2.0, shape);

    [Theory]
    [InlineData(new[] { 3, 4 }, new[] { 3, 4 })]
    [InlineData(new[] { 3, 4 }, new[] { 4 })]
    [InlineData(new[] { 2, 1, 4 }, new[] { 3, 1 })]
    [InlineData(new[] { 1 }, new[] { 2, 3 })]
    [InlineData(new int[0], new[] { 2, 3 })]
    public void AddSubMulDiv_WithBroadcasting(int[] shapeA, int[] shapeB)
    {
        Check(t => Ops.Add(t[0], t[1]), [U(1, shapeA), U(2, shapeB)], what: "Add");
        Check(t => Ops.Sub(t[0], t[1]), [U(1, shapeA), U(2, shapeB)], what: "Sub");
        Check(t => Ops.Mul(t[0], t[1]), [U(1, shapeA), U(2, shapeB)], what: "Mul");
        Check(t => Ops.Div(t[0], t[1]), [U(1, shapeA), Positive(2, shapeB)], what: "Div");
    }

    [Fact]
    public void Operators_MatchOps()
    {
        Check(t => t[0] * t[1] + t[0] / t[1] - t[1], [U(3, 2, 3), Positive(4, 2, 3)], what: "operators");
        Check(t => 2.0 * t[0] + 1.0 - (3.0 - t[0] / 4.0) * 0.5 - t[0], [U(5, 2, 3)], what: "scalar operators");
    }

    [Fact]
    public void Affine_And_Neg()
    {
        Check(t => Ops.Affine(t[0], -1.7, 0.3), [U(6, 3, 2)], what: "Affine");
        Check(t => Ops.Neg(t[0]), [U(7, 5)], what: "Neg");
    }

    [Fact] public void Exp() => Check(t => Ops.Exp(t[0]), [U(8, 3, 4)], what: "Exp");
    [Fact] public void Log() => Check(t => Ops.Log(t[0]), [Positive(9, 3, 4)], what: "Log");
    [Fact] public void Sqrt() => Check(t => Ops.Sqrt(t[0]), [Positive(10, 3, 4)], what: "Sqrt");
    [Fact] public void Square() => Check(t => Ops.Square(t[0]), [U(11, 3, 4)], what: "Square");
    [Fact] public void Abs() => Check(t => Ops.Abs(t[0]), [AwayFromZero(12, 3, 4)], what: "Abs");

    [Fact]
    public void Clip_AwayFromTheBounds()
    {
        // Values in ±[0.2, 1.2), bounds at ±0.7 would be hit by some: use bounds between the value bands.
        var x = Tensor.FromArray([-1.1f, -0.5f, -0.3f, 0.25f, 0.6f, 0.95f, 1.3f, -0.9f], 2, 4);
        Check(t => Ops.Clip(t[0], -0.8, 0.8), [x], what: "Clip");
    }

    [Fact] public void Sum_All() => Check(t => Ops.Sum(t[0]), [U(13, 2, 3, 4)], what: "Sum");

    [Theory]
    [InlineData(new[] { 0 }, false)]
    [InlineData(new[] { 1 }, true)]
    [InlineData(new[] { -1 }, false)]
    [InlineData(new[] { 0, 2 }, true)]
    [InlineData(new[] { 2, 0 }, false)]
    public void Sum_And_Mean_OverAxes(int[] axes, bool keepDims)
    {
        Check(t => Ops.Sum(t[0], axes, keepDims), [U(14, 2, 3, 4)], what: "Sum(axes)");
        Check(t => Ops.Mean(t[0], axes, keepDims), [U(15, 2, 3, 4)], what: "Mean(axes)");
        Check(t => t[0].Sum(axes, keepDims) * t[0].Mean(axes, keepDims), [U(16, 2, 3, 4)], what: "Tensor.Sum*Mean");
    }

    [Fact]
    public void Mean_All()
    {
        Check(t => Ops.Mean(t[0]), [U(17, 3, 5)], what: "Mean");
        Check(t => t[0].Mean() * t[0].Sum(), [U(18, 3, 5)], what: "Tensor.Mean*Sum");
    }

    [Fact]
    public void Reshape()
    {
        Check(t => Ops.Reshape(t[0], 4, -1) * t[1], [U(19, 2, 3, 2), U(20, 4, 3)], what: "Reshape");
        Check(t => t[0].Reshape(6, 2), [U(21, 2, 3, 2)], what: "Tensor.Reshape");
    }

    [Theory]
    [InlineData(new[] { 1, 0 }, new[] { 3, 4 })]
    [InlineData(new[] { 2, 0, 1 }, new[] { 2, 3, 4 })]
    [InlineData(new[] { 0, 2, 1 }, new[] { 2, 3, 4 })]
    public void Transpose(int[] permutation, int[] shape) =>
        Check(t => Ops.Transpose(t[0], permutation), [U(22, shape)], what: "Transpose");

    [Theory]
    [InlineData(0, 1, 1)]
    [InlineData(1, 0, 2)]
    [InlineData(-1, 2, 2)]
    public void Slice(int axis, int start, int length) =>
        Check(t => Ops.Slice(t[0], axis, start, length), [U(23, 3, 3, 4)], what: "Slice");

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void Concat(int axis)
    {
        int[] a = [2, 3, 2], b = [2, 3, 2];
        int normalized = axis < 0 ? axis + 3 : axis;
        b[normalized] = 1;
        Check(t => Ops.Concat([t[0], t[1], t[0]], axis), [U(24, a), U(25, b)], what: "Concat");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Stack(int axis) =>
        Check(t => Ops.Stack([t[0], t[1], t[2]], axis), [U(26, 2, 3), U(27, 2, 3), U(28, 2, 3)], what: "Stack");

    [Fact]
    public void MatMul()
    {
        Check(t => Ops.MatMul(t[0], t[1]), [U(29, 3, 5), U(30, 5, 4)], what: "MatMul");
        Check(t => t[0].MatMul(t[0]), [U(31, 4, 4)], what: "MatMul(x, x)");
    }

    [Fact]
    public void Linear_WithAndWithoutBias()
    {
        Check(t => Ops.Linear(t[0], t[1], t[2]), [U(32, 4, 5), U(33, 5, 3), U(34, 3)], what: "Linear");
        Check(t => Ops.Linear(t[0], t[1], null), [U(35, 2, 3, 5), U(36, 5, 3)], what: "Linear rank 3, no bias");
    }

    public static TheoryData<string> Activations => new() { "relu", "tanh", "sigmoid", "elu", "gelu", "leaky_relu", "swish", "silu", "linear", "softmax" };

    [Theory]
    [MemberData(nameof(Activations))]
    public void EveryActivation(string name)
    {
        var function = NormLab.Activations.ActivationFunction.Get(name);
        // Away from 0 for the kinked ones; a wide range so that the saturated tails are covered too.
        Check(t => function.Apply(t[0]) * t[1], [AwayFromZero(37, 3, 7), U(38, 3, 7)], what: name);
        Check(t => function.Apply(t[0] * 3.0), [AwayFromZero(39, 2, 6)], what: name + " (scaled)");
    }

    [Fact]
    public void ActivationOps_Directly()
    {
        var x = AwayFromZero(40, 4, 5);
        Check(t => Ops.Relu(t[0]), [x], what: "Relu");
        Check(t => Ops.Tanh(t[0]), [x], what: "Tanh");
        Check(t => Ops.Sigmoid(t[0]), [x], what: "Sigmoid");
        Check(t => Ops.Elu(t[0]), [x], what: "Elu");
        Check(t => Ops.Gelu(t[0]), [x], what: "Gelu");
        Check(t => Ops.LeakyRelu(t[0]), [x], what: "LeakyRelu");
        Check(t => Ops.Swish(t[0]), [x], what: "Swish");
        Check(t => Ops.Softmax(t[0]), [x], what: "Softmax");
    }

    [Fact]
    public void Softmax_Rank3_LargeLogits() =>
        Check(t => Ops.Softmax(t[0] * 4.0), [U(41, 2, 3, 5)], what: "Softmax rank 3");

    [Fact]
    public void SharedInput_GradientsAccumulate()
    {
        // x used by several branches: the tape must add the contributions.
        Check(t => Ops.Mul(Ops.Tanh(t[0]), Ops.Exp(t[0])) + Ops.Square(t[0]), [U(42, 3, 3)], what: "x reused");
    }

    [Fact]
    public void Grad_Accumulates_AcrossBackwardCalls_And_ClearsWithNull()
    {
        var a = U(43, 2, 2);
        a.RequiresGrad = true;
        (a * 3.0).Sum().Backward();
        (a * 3.0).Sum().Backward();
        Assert.All(a.Grad!.ToArray(), v => Assert.Equal(6f, v));
        a.Grad = null;
        (a * 2.0).Sum().Backward();
        Assert.All(a.Grad!.ToArray(), v => Assert.Equal(2f, v));
    }

    [Fact]
    public void Backward_WithoutRequiresGrad_Throws()
    {
        var a = U(44, 2, 2);
        var e = Assert.Throws<InvalidOperationException>(() => (a * 2.0).Sum().Backward());
        Assert.Contains("Backward", e.Message);
    }

    [Fact]
    public void Backward_SeedOfWrongShape_Throws()
    {
        var a = U(45, 2, 2);
        a.RequiresGrad = true;
        var e = Assert.Throws<ArgumentException>(() => (a * 2.0).Backward(Tensor.Ones(3)));
        Assert.Contains("(3,)", e.Message);
    }
}

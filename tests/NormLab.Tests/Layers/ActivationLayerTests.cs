using NormLab.Layers;
using NormLab.Tests.Normalization;
using Xunit;
using static NormLab.Tests.GradCheck;

namespace NormLab.Tests.Layers;

/// <summary>
/// ReLU, LeakyReLU, PReLU, ELU and Softmax: the layer harness, PyTorch fixtures (make_misc_fixtures.py),
/// finite differences, argument and shape errors; and the new activation functions by name where
/// Keras takes one, on both sides of their kinks.
/// </summary>
public class ActivationLayerTests
{
    [Fact]
    public void Harness()
    {
        LayerTest.Run(() => new ReLU(maxValue: 4, negativeSlope: 0.1, threshold: 0.5), [3, 4], [3, 4], trainableWeights: 0);
        LayerTest.Run(() => new LeakyReLU(), [3, 4], [3, 4], trainableWeights: 0);
        LayerTest.Run(() => new ELU(alpha: 0.5), [3, 4], [3, 4], trainableWeights: 0);
        LayerTest.Run(() => new Softmax(axis: new[] { 1, 2 }), [2, 3, 4], [2, 3, 4], trainableWeights: 0);
        LayerTest.Run(() => new PReLU(sharedAxes: [1, 2]), [2, 3, 4, 5], [2, 3, 4, 5], trainableWeights: 1);
        LayerTest.Run(() => new PReLU(alphaInitializer: "ones", alphaRegularizer: "l2"), [2, 3, 4], [2, 3, 4], trainableWeights: 1);
    }

    [Theory]
    [InlineData("relu_default")]
    [InlineData("relu_args")]
    [InlineData("leaky_relu_default")]
    [InlineData("elu_alpha")]
    [InlineData("softmax_axis1")]
    [InlineData("softmax_axes12")]
    public void MatchesPyTorch(string name)
    {
        var f = NormFixture.Load(name, "misc");
        var c = f.Config;
        Layer layer = name switch
        {
            "relu_default" => new ReLU(),
            "relu_args" => new ReLU((double)c["maxValue"]!, (double)c["negativeSlope"]!, (double)c["threshold"]!),
            "leaky_relu_default" => new LeakyReLU(),
            "elu_alpha" => new ELU((double)c["alpha"]!),
            "softmax_axis1" => new Softmax(1),
            _ => new Softmax(new[] { 1, 2 }),
        };
        var x = f.T("x", requiresGrad: true);
        var y = layer.Call(x, training: true);
        f.AssertClose("y", y);
        y.Backward(f.T("seed"));
        f.AssertClose("dx", x.Grad);
    }

    [Theory]
    [InlineData("prelu_shared_12")]
    [InlineData("prelu_full")]
    public void PReLU_MatchesPyTorch(string name)
    {
        var f = NormFixture.Load(name, "misc");
        var layer = name == "prelu_full" ? new PReLU() : new PReLU(sharedAxes: [1, 2]);
        var x = f.T("x", requiresGrad: true);
        layer.Build(x.Shape);
        Assert.Equal(f.T("alpha").Shape, layer.Alpha!.Shape);
        layer.SetWeights([f.T("alpha")]);
        var y = layer.Call(x, training: true);
        f.AssertClose("y", y);
        y.Backward(f.T("seed"));
        f.AssertClose("dx", x.Grad);
        f.AssertClose("dalpha", layer.Alpha.Grad, atol: 1e-4);
    }

    [Fact]
    public void Softmax_Mask_MatchesPyTorch()
    {
        var f = NormFixture.Load("softmax_masked", "misc");
        var x = f.T("x", requiresGrad: true);
        var y = new Softmax().Call(x, f.T("mask"));
        f.AssertClose("y", y);
        y.Backward(f.T("seed"));
        f.AssertClose("dx", x.Grad);
    }

    [Fact]
    public void GradientsByFiniteDifferences()
    {
        var x = AwayFromZero(3, 3, 4, 5);
        // -1.163, -1.063, ..., 1.137: every value at least 0.037 from the kinks at 0.1 and 0.8.
        var spread = Tensor.FromArray(Enumerable.Range(0, 24).Select(i => -1.163f + 0.1f * i).ToArray(), 4, 6);
        Check(v => new ReLU(maxValue: 0.8, negativeSlope: 0.2, threshold: 0.1).Call(v[0]), [spread]);
        CheckLayer(new LeakyReLU(), x);
        CheckLayer(new ELU(alpha: 2), x);
        CheckLayer(new Softmax(axis: new[] { 0, 2 }), x);
        NormLabRandom.SetSeed(5);
        var prelu = new PReLU(alphaInitializer: "glorot_uniform", sharedAxes: [1]);
        CheckLayer(prelu, x);
        var mask = Tensor.FromArray([1, 0, 1, 1, 0], 5);
        Check(v => new Softmax().Call(v[0], mask), [Uniform(6, -2, 2, 3, 4, 5)]);
    }

    [Fact]
    public void Relu_KeepsItsKerasMeaning()
    {
        var x = Tensor.FromArray([-2, 0, 0.5f, 1, 3, 7], 1, 6);
        Assert.Equal([0, 0, 0.5f, 1, 3, 7], new ReLU().Call(x).ToArray());
        // Below the threshold 1: slope * (x - 1); from it up: x, saturated at 5.
        Assert.Equal([-0.75f, -0.25f, -0.125f, 0, 3, 5], new ReLU(maxValue: 5, negativeSlope: 0.25, threshold: 1).Call(x).ToArray());
        Assert.Equal(0.3, new LeakyReLU().NegativeSlope);
    }

    [Fact]
    public void BadArgumentsAndShapesNameTheLayer()
    {
        AssertNamed(() => new ReLU(maxValue: -1, name: "r1"), "r1", "maxValue");
        AssertNamed(() => new ReLU(negativeSlope: -0.1, name: "r2"), "r2", "negativeSlope");
        AssertNamed(() => new ReLU(threshold: double.NaN, name: "r3"), "r3", "threshold");
        AssertNamed(() => new LeakyReLU(-1, name: "l1"), "l1", "negativeSlope");
        AssertNamed(() => new ELU(double.PositiveInfinity, name: "e1"), "e1", "alpha");
        AssertNamed(() => new PReLU(sharedAxes: [3], name: "p1").Call(Tensor.Zeros(2, 3, 4)), "p1", "sharedAxes");
        var prelu = new PReLU(name: "p2");
        prelu.Call(Tensor.Zeros(2, 3, 4));
        AssertNamed(() => prelu.Call(Tensor.Zeros(2, 3, 5)), "p2", "(2, 3, 5)");
        AssertNamed(() => new Softmax(axis: 2, name: "s1").Call(Tensor.Zeros(2, 3)), "s1", "axis");
        AssertNamed(() => new Softmax(name: "s2").Call(Tensor.Zeros(2, 3), Tensor.Ones(2, 4)), "s2", "mask");
        AssertNamed(() => new Softmax(name: "s3").Call(Tensor.Zeros(2, 3), Tensor.Ones(2, 2, 3)), "s3", "(2, 2, 3)");
    }

    [Theory]
    [InlineData("selu")]
    [InlineData("softplus")]
    [InlineData("softsign")]
    [InlineData("relu6")]
    [InlineData("hard_sigmoid")]
    [InlineData("hard_silu")]
    [InlineData("hard_swish")]
    [InlineData("mish")]
    [InlineData("exponential")]
    public void NewActivations_WorkByNameAndSaveInDense(string name)
    {
        LayerTest.Run(() => new Dense(3, activation: name), [4, 5], [4, 3], trainableWeights: 2);
        // Values spread over [-7.5, 7.5] and away from the kinks at 0, ±3 and 6, so the saturated parts are checked too.
        var values = Enumerable.Range(0, 16).Select(i => -7.5f + i + 0.37f * (i % 3)).Where(v => Math.Abs(v) % 3 > 0.2f).ToArray();
        var x = Tensor.FromArray(values, values.Length);
        Check(v => new Activation(name).Call(v[0]), [x]);
    }

    [Fact]
    public void Softplus_DoesNotOverflow()
    {
        var y = Ops.Softplus(Tensor.FromArray([-200f, 200f], 2)).ToArray();
        Assert.Equal(0f, y[0], 6);
        Assert.Equal(200f, y[1]);
    }

    private static void AssertNamed(Action action, string name, string what)
    {
        var e = Assert.Throws<ArgumentException>(action);
        Assert.Contains(name, e.Message);
        Assert.Contains(what, e.Message);
    }
}

using NormLab.Layers;
using Xunit;
using static NormLab.Tests.GradCheck;

namespace NormLab.Tests.Layers;

/// <summary>The merge layers of issue 20 through <see cref="LayerTest.RunMerge"/>, finite differences and their errors.</summary>
public class MergingLayerTests
{
    [Fact]
    public void Harness()
    {
        LayerTest.RunMerge(() => new Multiply(), 5, [4, 3]);
        LayerTest.RunMerge(() => new Average(), 5, [4, 3]);
        LayerTest.RunMerge(() => new Subtract(), 5, [4, 3]);
        LayerTest.RunMerge(() => new Maximum(), 5, [4, 3]);
        LayerTest.RunMerge(() => new Minimum(), 5, [4, 3]);
        LayerTest.RunMerge(() => new Dot(1), 5, [4, 1]);
        LayerTest.RunMerge(() => new Dot(-1, normalize: true), 5, [4, 1]);
    }

    public static TheoryData<string, Func<MergeLayer>, int> ElementwiseCases => new()
    {
        { "Multiply", () => new Multiply(), 3 },
        { "Average", () => new Average(), 3 },
        { "Subtract", () => new Subtract(), 2 },
        { "Maximum", () => new Maximum(), 3 },
        { "Minimum", () => new Minimum(), 3 },
    };

    [Theory]
    [MemberData(nameof(ElementwiseCases))]
    public void Elementwise_Gradients(string what, Func<MergeLayer> create, int count)
    {
        var layer = create();
        // Distinct values across all inputs: no ties for Maximum / Minimum, gap 2/47 well above Eps 1e-3.
        var all = Distinct(60 + count, count, 2, 4, 3).ToArray();
        var inputs = Enumerable.Range(0, count).Select(i => Tensor.FromArray(all[(i * 24)..((i + 1) * 24)], 2, 4, 3)).ToArray();
        Check(t => layer.Call(t), inputs, Default with { Eps = 1e-3, Atol = 3e-3 }, what);
    }

    [Theory]
    [InlineData(1, 1, false, new[] { 3, 5 }, new[] { 3, 5 })]
    [InlineData(2, 2, true, new[] { 2, 3, 4 }, new[] { 2, 5, 4 })]
    [InlineData(1, 2, false, new[] { 2, 4, 3 }, new[] { 2, 5, 4 })]
    [InlineData(2, 1, false, new[] { 2, 3, 4 }, new[] { 2, 4 })]
    public void Dot_Gradients(int axisA, int axisB, bool normalize, int[] a, int[] b)
    {
        var dot = new Dot((axisA, axisB), normalize);
        Check(t => dot.Call(t), [Uniform(61, -1, 1, a), Uniform(62, -1, 1, b)], what: "Dot");
    }

    [Fact]
    public void Dot_Shapes_FollowKerasBatchDot()
    {
        Assert.Equal([3, 1], new Dot(1).Call([Tensor.Ones(3, 5), Tensor.Ones(3, 5)]).Shape);
        Assert.Equal([2, 3, 5], new Dot(2).Call([Tensor.Ones(2, 3, 4), Tensor.Ones(2, 5, 4)]).Shape);
        Assert.Equal([2, 3], new Dot((2, 1)).Call([Tensor.Ones(2, 3, 4), Tensor.Ones(2, 4)]).Shape);
        // Cosine similarity of parallel vectors is 1.
        Assert.Equal(1f, new Dot(1, normalize: true).Call([Tensor.FromArray([1f, 2f], 1, 2), Tensor.FromArray([2f, 4f], 1, 2)]).ToArray()[0], 5);
    }

    [Fact]
    public void Errors_NameTheLayer()
    {
        void Throws(Action call, params string[] parts)
        {
            var e = Assert.ThrowsAny<ArgumentException>(call);
            foreach (var part in parts) Assert.Contains(part, e.Message);
        }
        Throws(() => new Multiply(name: "mul").Call([Tensor.Ones(2, 3), Tensor.Ones(2, 4)]), "Multiply 'mul'", "(2, 3)", "(2, 4)");
        Throws(() => new Subtract(name: "sub").Call([Tensor.Ones(2, 3), Tensor.Ones(2, 3), Tensor.Ones(2, 3)]), "Subtract 'sub'", "exactly 2");
        Throws(() => new Maximum(name: "max").Call([Tensor.Ones(2, 3)]), "max", "at least 2");
        Throws(() => new Dot(1, name: "dot").Call([Tensor.Ones(2, 3), Tensor.Ones(2, 4)]), "Dot 'dot'", "(2, 3)", "(2, 4)");
        Throws(() => new Dot(3, name: "dot3").Call([Tensor.Ones(2, 3), Tensor.Ones(2, 3)]), "dot3", "axes 3");
        Throws(() => new Dot(1, name: "dot1").Call([Tensor.Ones(3), Tensor.Ones(3)]), "dot1", "rank >= 2");
    }
}

using NormLab.Layers;
using Xunit;
using static NormLab.Tests.GradCheck;

namespace NormLab.Tests.Layers;

/// <summary>The reshaping layers through <see cref="LayerTest"/>, finite differences and their errors.</summary>
public class ReshapingLayerTests
{
    public static TheoryData<string, Func<Layer>, int[], int[]> Cases => new()
    {
        { "Reshape", () => new Reshape([3, -1]), [2, 4, 3], [2, 3, 4] },
        { "Permute", () => new Permute([2, 3, 1]), [2, 3, 4, 5], [2, 4, 5, 3] },
        { "RepeatVector", () => new RepeatVector(3), [2, 4], [2, 3, 4] },
        { "UpSampling1D", () => new UpSampling1D(3), [2, 4, 3], [2, 12, 3] },
        { "UpSampling2D nearest", () => new UpSampling2D((2, 3)), [2, 3, 2, 2], [2, 6, 6, 2] },
        { "UpSampling2D bilinear", () => new UpSampling2D(2, interpolation: "bilinear"), [2, 3, 2, 2], [2, 6, 4, 2] },
        { "ZeroPadding1D", () => new ZeroPadding1D((2, 1)), [2, 3, 2], [2, 6, 2] },
        { "ZeroPadding2D", () => new ZeroPadding2D(((1, 2), (0, 1))), [2, 3, 2, 2], [2, 6, 3, 2] },
        { "ZeroPadding2D symmetric", () => new ZeroPadding2D((1, 2)), [2, 3, 2, 2], [2, 5, 6, 2] },
        { "Cropping1D", () => new Cropping1D((1, 2)), [2, 6, 2], [2, 3, 2] },
        { "Cropping2D", () => new Cropping2D(((1, 0), (2, 1))), [2, 4, 5, 2], [2, 3, 2, 2] },
        { "Cropping2D one amount", () => new Cropping2D(1), [2, 4, 5, 2], [2, 2, 3, 2] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Harness(string what, Func<Layer> create, int[] input, int[] expected)
    {
        Assert.NotNull(what);
        LayerTest.Run(create, input, expected, trainableWeights: 0);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradients(string what, Func<Layer> create, int[] input, int[] expected)
    {
        var report = CheckLayer(create(), Uniform(50, -1, 1, input));
        Assert.True(report.Checked > 0, what);
        Assert.Equal(expected.Length, create().ComputeOutputShape(input).Length);
    }

    [Fact]
    public void Bilinear_InterpolatesBetweenNeighbours()
    {
        // Half-pixel centres, factor 2: outputs sit at 1/4 and 3/4 between inputs, edges are clamped.
        var y = new UpSampling2D((1, 2), interpolation: "bilinear").Call(Tensor.FromArray([0f, 4f], 1, 1, 2, 1)).ToArray();
        Assert.Equal([0f, 1f, 3f, 4f], y);
    }

    [Fact]
    public void Errors_NameTheLayer()
    {
        void Throws(Action call, params string[] parts)
        {
            var e = Assert.ThrowsAny<ArgumentException>(call);
            foreach (var part in parts) Assert.Contains(part, e.Message);
        }
        Throws(() => new Reshape([5, -1], name: "rs").Call(Tensor.Ones(2, 4, 3)), "Reshape 'rs'", "(4, 3)", "(5, -1)");
        Throws(() => new Reshape([-1, -1], name: "rs2"), "rs2", "at most one -1");
        Throws(() => new Permute([1, 3], name: "pm"), "Permute 'pm'", "permutation");
        Throws(() => new Permute([2, 1], name: "pm2").Call(Tensor.Ones(2, 3, 4, 5)), "pm2", "rank 3");
        Throws(() => new RepeatVector(2, name: "rv").Call(Tensor.Ones(2, 3, 4)), "RepeatVector 'rv'", "rank 2");
        Throws(() => new UpSampling2D(interpolation: "bicubic", name: "up"), "up", "'bicubic'");
        Throws(() => new UpSampling1D(name: "up1").Call(Tensor.Ones(2, 3)), "up1", "rank 3");
        Throws(() => new ZeroPadding2D(-1, name: "zp"), "zp", "padding");
        Throws(() => new Cropping1D((2, 2), name: "cr").Call(Tensor.Ones(2, 4, 1)), "Cropping1D 'cr'", "(2, 4, 1)");
        Throws(() => new Cropping2D(((2, 2), (0, 0)), name: "cr2").Call(Tensor.Ones(2, 4, 4, 1)), "cr2", "leaves no rows");
    }

    [Fact]
    public void RandomShapes_OnlyNamedErrors()
    {
        var rng = new Random(51);
        var creators = Cases.Select(row => (Func<Layer>)row[1]).ToArray();
        for (int i = 0; i < 40; i++)
        {
            var layer = creators[rng.Next(creators.Length)]();
            var shape = Enumerable.Range(0, rng.Next(2, 6)).Select(_ => rng.Next(0, 5)).ToArray();
            LayerFuzz.OnlyNamedErrors(layer, Uniform(i, -1, 1, shape), training: true, rng, $"{layer.GetType().Name} on {string.Join("x", shape)}");
        }
    }
}

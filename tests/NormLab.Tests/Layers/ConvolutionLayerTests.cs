using NormLab.Layers;
using Xunit;
using static NormLab.Tests.GradCheck;

namespace NormLab.Tests.Layers;

/// <summary>
/// The convolutions of issue 20 (Conv1D, grouped Conv2D, the transposed, depthwise and separable convolutions)
/// through <see cref="LayerTest"/>, finite differences, Keras's weight shapes and parameter counts, and their errors.
/// Values against PyTorch: Reference/ConvReferenceTests.
/// </summary>
public class ConvolutionLayerTests
{
    private static Tensor U(int seed, params int[] shape) => Uniform(seed, -1, 1, shape);

    [Theory]
    [InlineData("valid", 1, 1, 1, new[] { 2, 7, 4 })]
    [InlineData("same", 2, 1, 1, new[] { 2, 5, 4 })]
    [InlineData("causal", 1, 2, 1, new[] { 2, 9, 4 })]
    [InlineData("same", 1, 1, 2, new[] { 2, 9, 4 })]
    public void Conv1D(string padding, int stride, int dilation, int groups, int[] expected) =>
        LayerTest.Run(() => new Conv1D(4, 3, strides: stride, padding: padding, dilationRate: dilation, groups: groups, activation: "tanh"),
            [2, 9, 2], expected, trainableWeights: 2);

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Conv2D_Groups(int groups) =>
        LayerTest.Run(() => new Conv2D(8, 3, padding: "same", groups: groups, activation: "relu"), [2, 5, 5, 4], [2, 5, 5, 8], trainableWeights: 2);

    [Theory]
    [InlineData("valid", 1, new[] { 2, 6, 7, 3 })]
    [InlineData("same", 2, new[] { 2, 8, 10, 3 })]
    [InlineData("valid", 2, new[] { 2, 9, 11, 3 })]
    public void Conv2DTranspose(string padding, int stride, int[] expected) =>
        LayerTest.Run(() => new Conv2DTranspose(3, 3, strides: stride, padding: padding), [2, 4, 5, 2], expected, trainableWeights: 2);

    [Theory]
    [InlineData("same", 2, 1, new[] { 2, 8, 10, 3 })]   // (in - 1)·2 + 3 - 2·1 + 1
    [InlineData("valid", 2, 1, new[] { 2, 10, 12, 3 })] // (in - 1)·2 + 3 + 1
    [InlineData("valid", 3, 2, new[] { 2, 14, 17, 3 })]
    public void Conv2DTransposeOutputPadding(string padding, int stride, int outputPadding, int[] expected) =>
        LayerTest.Run(() => new Conv2DTranspose(3, 3, strides: stride, padding: padding, outputPadding: outputPadding), [2, 4, 5, 2], expected, trainableWeights: 2);

    [Theory]
    [InlineData(2, 2)]
    [InlineData(1, -1)]
    public void OutputPaddingMustBeBelowTheStride(int stride, int outputPadding)
    {
        var e = Assert.Throws<ArgumentException>(() => new Conv2DTranspose(3, 3, strides: stride, outputPadding: outputPadding, name: "up"));
        Assert.Contains("Conv2DTranspose 'up'", e.Message);
        Assert.Contains("outputPadding must be >= 0 and less than the strides", e.Message);
    }

    [Fact]
    public void OutputPaddingThatCannotMapBackIsNamed()
    {
        // An even window with "same" and no extra row: (in - 1)·2 + 4 - 4 + 0 rows, one short of mapping back.
        var layer = new Conv2DTranspose(2, 4, strides: 2, padding: "same", outputPadding: 0, name: "up");
        var e = Assert.Throws<ArgumentException>(() => layer.Call(Tensor.Zeros(1, 3, 3, 2)));
        Assert.Contains("Conv2DTranspose 'up'", e.Message);
        Assert.Contains("does not map back", e.Message);
    }

    [Fact]
    public void Conv1DTranspose() =>
        LayerTest.Run(() => new Conv1DTranspose(3, 4, strides: 2, padding: "same", activation: "relu"), [2, 5, 2], [2, 10, 3], trainableWeights: 2);

    [Theory]
    [InlineData(1, "same", 1, new[] { 2, 5, 6, 3 })]
    [InlineData(2, "valid", 2, new[] { 2, 2, 2, 6 })]
    public void DepthwiseConv2D(int multiplier, string padding, int stride, int[] expected) =>
        LayerTest.Run(() => new DepthwiseConv2D(3, strides: stride, padding: padding, depthMultiplier: multiplier), [2, 5, 6, 3], expected, trainableWeights: 2);

    [Fact]
    public void DepthwiseConv1D() =>
        LayerTest.Run(() => new DepthwiseConv1D(3, depthMultiplier: 2, useBias: false), [2, 6, 3], [2, 4, 6], trainableWeights: 1);

    [Fact]
    public void SeparableConv2D() =>
        LayerTest.Run(() => new SeparableConv2D(4, 3, padding: "same", depthMultiplier: 2, activation: "relu"), [2, 5, 5, 3], [2, 5, 5, 4], trainableWeights: 3);

    [Fact]
    public void SeparableConv1D() =>
        LayerTest.Run(() => new SeparableConv1D(4, 3, strides: 2), [2, 7, 3], [2, 3, 4], trainableWeights: 3);

    [Fact]
    public void WeightShapesAndOrder_FollowKeras()
    {
        static int[][] Shapes(Layer layer, params int[] input)
        {
            layer.Build(input);
            return layer.Weights.Select(w => w.Shape).ToArray();
        }
        Assert.Equal([[3, 4, 6], [6]], Shapes(new Conv1D(6, 3), 2, 9, 4));
        Assert.Equal([[3, 2, 8], [8]], Shapes(new Conv1D(8, 3, groups: 2), 2, 9, 4));
        Assert.Equal([[3, 3, 2, 6], [6]], Shapes(new Conv2D(6, 3, groups: 2), 1, 5, 5, 4));
        Assert.Equal([[3, 2, 5, 4], [5]], Shapes(new Conv2DTranspose(5, (3, 2)), 1, 5, 5, 4));
        Assert.Equal([[3, 5, 4], [5]], Shapes(new Conv1DTranspose(5, 3), 1, 5, 4));
        Assert.Equal([[3, 3, 4, 2], [8]], Shapes(new DepthwiseConv2D(3, depthMultiplier: 2), 1, 5, 5, 4));
        Assert.Equal([[3, 4, 1], [4]], Shapes(new DepthwiseConv1D(3), 1, 5, 4));
        Assert.Equal([[3, 3, 4, 2], [1, 1, 8, 7], [7]], Shapes(new SeparableConv2D(7, 3, depthMultiplier: 2), 1, 5, 5, 4));
        Assert.Equal([[3, 4, 1], [1, 4, 7], [7]], Shapes(new SeparableConv1D(7, 3), 1, 5, 4));
        Assert.Equal(["depthwise_kernel", "pointwise_kernel", "bias"],
            new SeparableConv2D(2, 3, name: "sep").Apply(l => l.Build([1, 4, 4, 2])).Weights.Select(w => w.Name!.Split('/')[1]));
    }

    [Fact]
    public void Summary_ShowsKerasShapesAndParameterCounts()
    {
        var model = new Sequential([
            new Conv1D(16, 3, padding: "causal", inputShape: [20, 8]),
            new Reshape([20, 4, 4]),
            new SeparableConv2D(8, 3, depthMultiplier: 2),
            new DepthwiseConv2D(2),
            new Conv2DTranspose(4, 3, strides: 2, padding: "same"),
            new GlobalMaxPooling2D(),
        ]);
        var lines = new List<string>();
        model.Summary(lines.Add);
        string Row(string type) => lines.Single(l => l.Contains($"({type})"));
        Assert.Contains("(None, 20, 16)", Row("Conv1D"));
        Assert.Contains((3 * 8 * 16 + 16).ToString("N0"), Row("Conv1D"));
        Assert.Contains("(None, 18, 2, 8)", Row("SeparableConv2D"));
        Assert.Contains((3 * 3 * 4 * 2 + 8 * 8 + 8).ToString("N0"), Row("SeparableConv2D"));
        Assert.Contains("(None, 17, 1, 8)", Row("DepthwiseConv2D"));
        Assert.Contains((2 * 2 * 8 + 8).ToString("N0"), Row("DepthwiseConv2D"));
        Assert.Contains("(None, 34, 2, 4)", Row("Conv2DTranspose"));
        Assert.Contains((3 * 3 * 4 * 8 + 4).ToString("N0"), Row("Conv2DTranspose"));
        Assert.Contains("(None, 4)", Row("GlobalMaxPooling2D"));
    }

    [Theory]
    [InlineData("valid", 1, 1, 1)]
    [InlineData("same", 2, 1, 1)]
    [InlineData("causal", 1, 2, 1)]
    [InlineData("same", 1, 1, 2)]
    public void Conv1D_Gradients(string padding, int stride, int dilation, int groups)
    {
        NormLabRandom.SetSeed(30);
        CheckLayer(new Conv1D(4, 3, strides: stride, padding: padding, dilationRate: dilation, groups: groups, activation: "tanh"), U(30, 2, 8, 2));
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    public void Conv2D_Groups_Gradients(int groups, int stride)
    {
        NormLabRandom.SetSeed(31);
        CheckLayer(new Conv2D(6, (3, 2), strides: stride, padding: "same", groups: groups), U(31, 2, 5, 4, 6));
    }

    [Theory]
    [InlineData("valid", 1, 1)]
    [InlineData("same", 2, 1)]
    [InlineData("valid", 3, 1)]
    [InlineData("same", 1, 2)]
    public void Conv2DTranspose_Gradients(string padding, int stride, int dilation)
    {
        NormLabRandom.SetSeed(32);
        CheckLayer(new Conv2DTranspose(3, (3, 2), strides: stride, padding: padding, dilationRate: dilation, activation: "tanh"), U(32, 2, 3, 4, 2));
    }

    [Fact]
    public void Conv1DTranspose_Gradients()
    {
        NormLabRandom.SetSeed(33);
        CheckLayer(new Conv1DTranspose(2, 3, strides: 2, padding: "same"), U(33, 2, 4, 3));
    }

    [Theory]
    [InlineData(1, "same", 1, 1)]
    [InlineData(2, "valid", 2, 1)]
    [InlineData(1, "same", 1, 2)]
    public void DepthwiseConv2D_Gradients(int multiplier, string padding, int stride, int dilation)
    {
        NormLabRandom.SetSeed(34);
        CheckLayer(new DepthwiseConv2D((3, 2), strides: stride, padding: padding, depthMultiplier: multiplier, dilationRate: dilation), U(34, 2, 6, 5, 10));
    }

    [Fact]
    public void DepthwiseConv1D_Gradients()
    {
        NormLabRandom.SetSeed(35);
        CheckLayer(new DepthwiseConv1D(3, padding: "same", depthMultiplier: 3), U(35, 2, 5, 2));
    }

    [Fact]
    public void SeparableConv_Gradients()
    {
        NormLabRandom.SetSeed(36);
        CheckLayer(new SeparableConv2D(3, 3, padding: "same", depthMultiplier: 2, activation: "tanh"), U(36, 2, 4, 4, 2));
        CheckLayer(new SeparableConv1D(3, 2, strides: 2), U(37, 2, 6, 3));
    }

    [Fact]
    public void Errors_NameTheLayer()
    {
        void Throws(Action call, params string[] parts)
        {
            var e = Assert.ThrowsAny<ArgumentException>(call);
            foreach (var part in parts) Assert.Contains(part, e.Message);
        }
        Throws(() => new Conv1D(4, 3, name: "c1").Call(Tensor.Ones(2, 5, 3, 1)), "Conv1D 'c1'", "rank 3", "(2, 5, 3, 1)");
        Throws(() => new Conv1D(4, 3, groups: 3, name: "c1g"), "c1g", "groups 3");
        Throws(() => new Conv1D(4, 3, groups: 2, name: "c1c").Call(Tensor.Ones(2, 5, 3)), "c1c", "divisible by groups 2");
        Throws(() => new Conv1D(4, 6, name: "c1s").Call(Tensor.Ones(2, 5, 3)), "c1s", "smaller than the kernel");
        Throws(() => new Conv2D(4, 3, padding: "causal", name: "c2"), "c2", "'causal'");
        Throws(() => new DepthwiseConv2D(3, depthMultiplier: 0, name: "dw"), "dw", "depthMultiplier");
        Throws(() => new SeparableConv2D(0, 3, name: "sep0"), "sep0", "filters");

        var conv = new Conv2DTranspose(3, 3, name: "tr");
        conv.Call(Tensor.Ones(1, 4, 4, 2));
        Throws(() => conv.Call(Tensor.Ones(1, 4, 4, 3)), "Conv2DTranspose 'tr'", "expected 2 input channels", "(1, 4, 4, 3)");
        Throws(() => conv.Call(Tensor.Ones(4, 4, 2)), "tr", "rank 4");
        var depthwise = new DepthwiseConv1D(3, name: "dw1");
        depthwise.Call(Tensor.Ones(1, 5, 2));
        Throws(() => depthwise.Call(Tensor.Ones(1, 5, 4)), "dw1", "expected 2 input channels");
        var separable = new SeparableConv2D(3, 3, name: "sep");
        separable.Call(Tensor.Ones(1, 5, 5, 2));
        Throws(() => separable.Call(Tensor.Ones(1, 5, 5, 1)), "sep", "expected 2 input channels");
    }

    [Fact]
    public void RandomShapes_OnlyNamedErrors()
    {
        var rng = new Random(38);
        Func<Layer>[] layers =
        [
            () => new Conv1D(3, 2, padding: "causal"), () => new Conv2D(4, 2, groups: 2), () => new Conv2DTranspose(2, 3, strides: 2),
            () => new Conv1DTranspose(2, 2), () => new DepthwiseConv2D(2, depthMultiplier: 2), () => new DepthwiseConv1D(2),
            () => new SeparableConv2D(2, 2), () => new SeparableConv1D(2, 2),
        ];
        for (int i = 0; i < 40; i++)
        {
            var layer = layers[rng.Next(layers.Length)]();
            int rank = rng.Next(2, 6);
            var shape = Enumerable.Range(0, rank).Select(_ => rng.Next(0, 5)).ToArray();
            LayerFuzz.OnlyNamedErrors(layer, U(i, shape), training: true, rng, $"{layer.GetType().Name} on {string.Join("x", shape)}");
        }
    }
}

internal static class LayerExtensions
{
    /// <summary>Runs <paramref name="action"/> on the layer and returns it (for one-expression set-ups).</summary>
    internal static T Apply<T>(this T layer, Action<T> action) where T : Layer
    {
        action(layer);
        return layer;
    }
}

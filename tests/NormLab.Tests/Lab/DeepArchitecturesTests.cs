using NormLab.Cli.Lab;
using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Lab;

/// <summary>--arch resnet, plain-mlp and plain-cnn: shapes and parameter counts computed by hand, every image normalization, training and saving.</summary>
public sealed class DeepArchitecturesTests
{
    private static Model Build(string arch, string norm, Placement placement = Placement.Before, int? depth = null) =>
        Architectures.Build(arch, NormalizationCatalog.Get(norm), placement, [28, 28, 1], 10, depth);

    /// <summary>A k×k convolution's weights: the kernel, and a bias unless a normalization follows it.</summary>
    private static int Conv(int k, int inChannels, int outChannels, bool bias) => k * k * inChannels * outChannels + (bias ? outChannels : 0);

    /// <summary>
    /// ResNet-8 counted layer by layer: the stem, per stage two 3×3 convolutions (and a 1×1 shortcut where the shape
    /// changes), Dense(10). BatchNorm holds 4 values per channel (gamma, beta, moving mean and variance, as Keras counts).
    /// </summary>
    private static int ResNetParameters(bool norm, bool after)
    {
        bool bias = !norm || after;
        int count = Conv(3, 1, 16, bias) + (norm ? 4 * 16 : 0);
        int inChannels = 16;
        foreach (int channels in new[] { 16, 32, 64 })
        {
            count += Conv(3, inChannels, channels, bias) + Conv(3, channels, channels, bias) + (norm ? 2 * 4 * channels : 0);
            // The shortcut's convolution is followed by its norm in both placements.
            if (channels != inChannels) count += Conv(1, inChannels, channels, !norm) + (norm ? 4 * channels : 0);
            inChannels = channels;
        }
        return count + 64 * 10 + 10;
    }

    [Theory]
    [InlineData("none", "before")]
    [InlineData("batch", "before")]
    [InlineData("batch", "after")]
    public void ResNetHasKerasShapesAndTheParameterCountOfItsLayers(string norm, string placement)
    {
        var p = Enum.Parse<Placement>(placement, ignoreCase: true);
        var model = Build("resnet", norm, p);
        Assert.Equal(ResNetParameters(norm != "none", p == Placement.After), model.CountParams());
        Assert.Equal([28, 28, 16], model.GetLayer("block_1_add").Output.Shape);
        Assert.Equal([14, 14, 32], model.GetLayer("block_2_add").Output.Shape);
        Assert.Equal([7, 7, 64], model.GetLayer("block_3_add").Output.Shape);
        Assert.Equal([14, 14, 32], model.GetLayer("block_2_shortcut").Output.Shape);
        Assert.Equal([64], model.GetLayer("pool").Output.Shape);
        Assert.Equal([10], model.Outputs[0].Shape);
        Assert.Throws<ArgumentException>(() => model.GetLayer("block_1_shortcut"));   // the identity where the shape stays
        Assert.Equal(norm == "none" ? 0 : 9, model.Layers.Count(l => l is BatchNormalization));
        // Before: the stem's norm reads the convolution; after: it reads the ReLU.
        var stemNorm = model.Layers.OfType<BatchNormalization>().FirstOrDefault();
        if (stemNorm != null) Assert.Equal(p == Placement.Before ? "stem" : "relu_1", stemNorm.Input.Layer!.Name);
    }

    [Fact]
    public void EveryImageNormalizationBuildsIntoTheResNetAtBothPlacements()
    {
        var x = Tensor.Rand(2, 28, 28, 1);
        foreach (var entry in NormalizationCatalog.Entries)
            foreach (var placement in new[] { Placement.Before, Placement.After })
                Assert.Equal([2, 10], Architectures.Build("resnet", entry, placement, [28, 28, 1], 10).Predict(x).Shape);
    }

    [Fact]
    public void ResNetTrainsAFewStepsAndSavesAndLoads()
    {
        NormLabRandom.SetSeed(3);
        var model = Comparison.Compiled(new CompareSettings { Arch = "resnet" }, NormalizationCatalog.Get("group"), Placement.Before, [28, 28, 1], 10, "adam", 1e-3);
        var x = Tensor.Rand(8, 28, 28, 1);
        var y = Tensor.FromArray([0f, 1, 2, 3, 4, 5, 6, 7], 8);
        var before = model.Predict(x).ToArray();
        var history = model.Fit(x, y, epochs: 1, batchSize: 4, verbose: 0);
        Assert.True(double.IsFinite(history["loss"][0]));
        var trained = model.Predict(x).ToArray();
        Assert.NotEqual(before, trained);
        string path = Path.Combine(Path.GetTempPath(), $"normlab-resnet-{Environment.ProcessId}.normlab");
        try
        {
            model.Save(path);
            Assert.Equal(trained, Model.Load(path).Predict(x).ToArray());
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("plain-mlp", 3)]
    [InlineData("plain-cnn", 5)]
    public void PlainNetsHaveDepthNormalizedHiddenLayers(string arch, int depth)
    {
        var model = Build(arch, "batch", depth: depth);
        Assert.Equal(depth, model.Layers.Count(l => l is BatchNormalization));
        Assert.Equal(depth, model.Layers.Count(l => l is Dense or Conv2D) - 1);
        // Counted by hand: Dense(64) layers without bias (the norm follows), or 3×3 conv(16) ones after a stride-2 first one on 14×14.
        int hidden = arch == "plain-mlp" ? 784 * 64 + (depth - 1) * 64 * 64 + depth * 4 * 64
            : Conv(3, 1, 16, false) + (depth - 1) * Conv(3, 16, 16, false) + depth * 4 * 16;
        int output = (arch == "plain-mlp" ? 64 : 14 * 14 * 16) * 10 + 10;
        Assert.Equal(hidden + output, model.CountParams());
        Assert.Equal([2, 10], model.Predict(Tensor.Rand(2, 28, 28, 1)).Shape);
        Assert.Contains("needs a depth", Assert.Throws<ArgumentException>(() => Build(arch, "batch")).Message);
        Assert.Contains("not --arch cnn", Assert.Throws<ArgumentException>(() => Build("cnn", "batch", depth: 2)).Message);
    }
}

using NormLab.Cli.Lab;
using Xunit;

namespace NormLab.Tests.Lab;

/// <summary>Seed k gives every configuration the same initial weights where the shapes allow, which the paired comparisons rely on.</summary>
public sealed class PairedSeedsTests
{
    private static float[] Weights(string norm, Placement placement, string layer, int seed, string optimizer = "adam", double learningRate = 1e-3)
    {
        NormLabRandom.SetSeed(seed);
        var model = Comparison.Compiled(new CompareSettings(), NormalizationCatalog.Get(norm), placement, [28, 28, 1], 10, optimizer, learningRate);
        return model.GetLayer(layer).GetWeights()[0].ToArray();
    }

    [Fact]
    public void EveryNormalizationAndPlacementStartsFromTheSameKernels()
    {
        foreach (string layer in new[] { "conv_1", "conv_2", "dense_1", "output" })
        {
            var reference = Weights("none", Placement.Before, layer, 42);
            foreach (string norm in new[] { "batch", "layer", "group", "instance" })
                foreach (var placement in new[] { Placement.Before, Placement.After })
                    Assert.Equal(reference, Weights(norm, placement, layer, 42));
            // Seed k pairs across learning rates and optimizers too: they change the steps, not the start.
            Assert.Equal(reference, Weights("batch", Placement.Before, layer, 42, "sgd", 0.1));
            Assert.NotEqual(reference, Weights("none", Placement.Before, layer, 43));
        }
    }

    [Fact]
    public void TheDataOrderSeedIsApartFromTheInitializationSeed()
    {
        // Reseeding after building makes the data order independent of how many numbers the model drew.
        Assert.NotEqual(42, Comparison.DataOrderSeed(42));
        Assert.NotEqual(Comparison.DataOrderSeed(42), Comparison.DataOrderSeed(43));
    }
}

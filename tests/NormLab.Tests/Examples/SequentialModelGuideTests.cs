using NormLab.Examples.Guides;
using Xunit;

namespace NormLab.Tests.Examples;

/// <summary>Keras's Sequential model guide in C#.</summary>
public class SequentialModelGuideTests
{
    [Fact]
    public void ThreeDenseLayers_NoWeightsUntilCalled_ThenSixAndLayersByName()
    {
        var (model, y, weightsBeforeCall) = SequentialModelGuide.ThreeDenseLayers();
        Assert.Equal(0, weightsBeforeCall);
        Assert.Equal(6, model.Weights.Count);
        Assert.Equal([3, 4], y.Shape);
        Assert.Same(model.Layers[1], model.GetLayer("layer2"));
        Assert.Same(model.Layers[2], model.GetLayer(index: 2));
        var e = Assert.Throws<ArgumentException>(() => model.GetLayer("layer4"));
        Assert.Contains("layer4", e.Message);
        Assert.Contains("layer1, layer2, layer3", e.Message);
        Assert.Contains(model.Name, Assert.Throws<ArgumentOutOfRangeException>(() => model.GetLayer(index: 3)).Message);
    }

    [Fact]
    public void ConvStack_SummaryShowsKerasShapesAndParameterCount()
    {
        var printed = new List<string>();
        SequentialModelGuide.ConvStack().Summary(printed.Add);
        Assert.Contains(printed, l => l.Contains("(None, 123, 123, 32)") && l.Contains("2,432"));
        Assert.Contains(printed, l => l.Contains("(None, 121, 121, 32)") && l.Contains("9,248"));
        Assert.Contains(printed, l => l.Contains("(None, 40, 40, 32)"));
        Assert.Contains(" Total params: 11,680", printed);
    }

    [Fact]
    public void FeatureExtraction_EveryLayersOutputOrOneByName()
    {
        NormLabRandom.SetSeed(13);
        var (all, intermediate) = SequentialModelGuide.FeatureExtraction();
        Assert.Equal([[1, 123, 123, 32], [1, 121, 121, 32], [1, 119, 119, 32]], all.Select(t => t.Shape));
        Assert.Equal(all[1].ToArray(), intermediate.ToArray());
    }

    [Fact]
    public void Unbuilt_SummarySaysHowToBuild()
    {
        var model = SequentialModelGuide.Unbuilt();
        Assert.Empty(model.Weights);
        var e = Assert.Throws<InvalidOperationException>(() => model.Summary(_ => { }));
        Assert.Contains(model.Name, e.Message);
        Assert.Contains("not yet been built", e.Message);
    }
}

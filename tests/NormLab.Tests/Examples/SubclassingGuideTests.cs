using NormLab.Examples.Guides;
using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Examples;

/// <summary>Keras's guide to making new layers and models via subclassing, in C#, and saving them.</summary>
public class SubclassingGuideTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), $"normlab-subclassing-{Guid.NewGuid():N}");

    public SubclassingGuideTests() => Directory.CreateDirectory(directory);

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void Linear_OutputShapeAndWeights()
    {
        NormLabRandom.SetSeed(21);
        var (y, layer) = SubclassingGuide.LinearOnOnes();
        Assert.Equal([2, 4], y.Shape);
        Assert.Equal([layer.W, layer.B], layer.Weights);
        Assert.Equal([2, 4], layer.W.Shape);
    }

    [Fact]
    public void ComputeSum_NonTrainableWeightAccumulates()
    {
        var (first, second, layer) = SubclassingGuide.ComputeSumTwice();
        Assert.Equal([2f, 2f], first.ToArray());
        Assert.Equal([4f, 4f], second.ToArray());
        Assert.Single(layer.Weights);
        Assert.Single(layer.NonTrainableWeights);
        Assert.Empty(layer.TrainableWeights);
    }

    [Fact]
    public void MlpBlock_NestedLayersTrackTheirWeights()
    {
        var (y, block) = SubclassingGuide.MlpBlockOnOnes();
        Assert.Equal([3, 1], y.Shape);
        Assert.Equal(6, block.Weights.Count);
        Assert.Equal(6, block.TrainableWeights.Count);
        block.Trainable = false;
        Assert.Empty(block.TrainableWeights);
    }

    [Fact]
    public void SubclassedModel_TrainsSummarizesAndLoadsThroughItsRegistration()
    {
        NormLabRandom.SetSeed(22);
        var (history, model) = SubclassingGuide.TrainSubclassedModel(samples: 32, epochs: 2);
        Assert.Equal(2, history.Epochs);
        var printed = new List<string>();
        model.Summary(printed.Add);
        Assert.Contains(printed, l => l.Contains("(Dense)") && l.Contains("(None, 16)") && l.Contains("144"));
        string path = Path.Combine(directory, "mlp.normlab");
        model.Save(path);
        var loaded = Model.Load(path);
        var typed = Assert.IsType<SmallMLP>(loaded);
        Assert.Equal((16, 3), (typed.HiddenUnits, typed.Classes));
        var x = Tensor.RandN(5, 8);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
    }

    [Fact]
    public void UnregisteredLayer_LoadNamesTheClassAndHowToRegister_CustomObjectsLoadsIt()
    {
        NormLabRandom.SetSeed(23);
        var inputs = new Input([64]);
        var model = new Model(inputs, new MLPBlock(name: "block").Call(inputs));
        string path = Path.Combine(directory, "block.normlab");
        model.Save(path);
        var e = Assert.Throws<FormatException>(() => Model.Load(path));
        Assert.Contains("'MLPBlock'", e.Message);
        Assert.Contains("RegisterSerializable", e.Message);
        Assert.Contains("customObjects", e.Message);

        var loaded = Model.Load(path, customObjects: new Dictionary<string, Type> { ["MLPBlock"] = typeof(MLPBlock) });
        var x = Tensor.RandN(3, 64);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
    }
}

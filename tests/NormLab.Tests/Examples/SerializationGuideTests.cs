using NormLab.Examples.Guides;
using Xunit;

namespace NormLab.Tests.Examples;

/// <summary>Keras's save/serialize guide in C#: whole model, config only, weights only, custom objects.</summary>
public class SerializationGuideTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), $"normlab-serialization-{Guid.NewGuid():N}");

    public SerializationGuideTests() => Directory.CreateDirectory(directory);

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void WholeModel_IdenticalPredictions_AndTrainingResumes()
    {
        NormLabRandom.SetSeed(31);
        var (model, reconstructed, testInput) = SerializationGuide.SaveAndLoad(Path.Combine(directory, "my_model.normlab"));
        Assert.Equal(model.Predict(testInput).ToArray(), reconstructed.Predict(testInput).ToArray());
        var history = reconstructed.Fit(Tensor.Rand(128, 32), Tensor.Rand(128, 1), verbose: 0);
        Assert.True(double.IsFinite(history["loss"][0]));
    }

    [Fact]
    public void RegisteredCustomLayerAndSharedLayer_RoundTripWithoutCustomObjects()
    {
        NormLabRandom.SetSeed(32);
        var (model, reconstructed) = SerializationGuide.CustomLayerRoundTrip(Path.Combine(directory, "custom.normlab"));
        Assert.Equal(4, reconstructed.Weights.Count);   // the shared Dense once (2) and Linear (2)
        Assert.IsType<Linear>(reconstructed.GetLayer("linear"));
        Assert.Equal(2, ((Linear)reconstructed.GetLayer("linear")).Units);
        var x = Tensor.RandN(6, 4);
        Assert.Equal(model.Predict(x).ToArray(), reconstructed.Predict(x).ToArray());
    }

    [Fact]
    public void ConfigOnly_SameArchitectureFreshWeights()
    {
        NormLabRandom.SetSeed(33);
        var model = SerializationGuide.GetModel();
        var (fromConfig, clone) = SerializationGuide.ArchitectureOnly(model);
        foreach (var copy in new[] { fromConfig, clone })
        {
            Assert.Equal(model.GetConfig().ToJsonString(), copy.GetConfig().ToJsonString());
            Assert.Equal(model.Weights.Select(w => w.Shape), copy.Weights.Select(w => w.Shape));
            Assert.NotEqual(model.Weights[0].ToArray(), copy.Weights[0].ToArray());
        }
    }

    [Fact]
    public void WeightsOnly_TransferToAFreshModel_AndMismatchesAreNamed()
    {
        NormLabRandom.SetSeed(34);
        var model = SerializationGuide.GetModel();
        string path = Path.Combine(directory, "my.weights.safetensors");
        var fresh = SerializationGuide.TransferWeights(model, path);
        var x = Tensor.Rand(4, 32);
        Assert.Equal(model.Predict(x).ToArray(), fresh.Predict(x).ToArray());

        var other = new Sequential([new NormLab.Layers.Dense(2, inputShape: [32])]);
        var e = Assert.Throws<FormatException>(() => other.LoadWeights(path));
        Assert.Contains(other.Name, e.Message);
        Assert.Contains("(32, 1)", e.Message);
        Assert.Contains("(32, 2)", e.Message);
        var wrongName = Assert.Throws<ArgumentException>(() => model.SaveWeights(Path.Combine(directory, "w.h5")));
        Assert.Contains(".weights.safetensors", wrongName.Message);
    }
}

using NormLab.Examples.Guides;
using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Examples;

/// <summary>Keras's functional API guide in C#: shapes and parameter counts as Keras prints them, sharing, nesting.</summary>
public class FunctionalApiGuideTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), $"normlab-functional-{Guid.NewGuid():N}");

    public FunctionalApiGuideTests() => Directory.CreateDirectory(directory);

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void MnistModel_HasKerasParameterCount_AndItsLayersOutputsExtractFeatures()
    {
        NormLabRandom.SetSeed(1);
        var model = FunctionalApiGuide.MnistModel();
        Assert.Equal(55_050, model.CountParams());
        Assert.Same(model.Layers[0], model.GetLayer(index: 0));
        Assert.Same(model.Layers[1], model.GetLayer(model.Layers[1].Name));

        var features = FunctionalApiGuide.FeatureExtractor(model);
        var x = Tensor.Rand(5, 784);
        var outputs = features.Call([x]);
        Assert.Equal([[5, 64], [5, 64], [5, 10]], outputs.Select(o => o.Shape));
        // Each output is that layer applied to the previous one, with the same (shared) weights.
        var expected = x;
        for (int i = 0; i < 3; i++)
        {
            expected = model.Layers[i].Call(expected);
            Assert.Equal(expected.ToArray(), outputs[i].ToArray());
        }
        Assert.Equal(model.CountParams(), features.CountParams());
    }

    [Fact]
    public void TicketClassifier_ThreeInputsOfFreeLength_TwoOutputs_KerasParameterCount()
    {
        NormLabRandom.SetSeed(2);
        var model = FunctionalApiGuide.TicketClassifier();
        Assert.Equal(1_392_097, model.CountParams());
        Assert.Equal(["title", "body", "tags"], model.Inputs.Select(i => i.Name));
        Assert.Equal(["priority", "department"], model.OutputNames);
        Assert.Equal([-1], model.Inputs[0].Shape);

        // Any title and body length: the free (-1) dimension is Keras's None.
        foreach (var (titleLength, bodyLength) in new[] { (10, 7), (3, 12) })
        {
            var outputs = model.Call([Tensor.RandInt(0, 10000, 2, titleLength), Tensor.RandInt(0, 10000, 2, bodyLength), Tensor.RandInt(0, 2, 2, 12)]);
            Assert.Equal([[2, 1], [2, 4]], outputs.Select(o => o.Shape));
        }
        var printed = new List<string>();
        model.Summary(printed.Add);
        Assert.Contains(printed, l => l.Contains("title (InputLayer)") && l.Contains("(None, None)"));
        Assert.Contains(printed, l => l.Contains("Connected to"));
        Assert.Contains(printed, l => l.Contains("tags[0][0]"));
    }

    [Fact]
    public void TicketClassifier_TrainsWithLossesByOutputName()
    {
        NormLabRandom.SetSeed(6);
        var history = FunctionalApiGuide.TrainTicketClassifier(samples: 16, epochs: 1, bodyLength: 12);
        Assert.Equal(["loss", "priority_loss", "department_loss"], history.Keys);
        Assert.Equal(history["priority_loss"][0] + 0.2 * history["department_loss"][0], history["loss"][0], 1e-5);
    }

    [Fact]
    public void SharedEmbedding_WeightsOnce_SharingSurvivesSaveAndLoad()
    {
        NormLabRandom.SetSeed(3);
        var model = FunctionalApiGuide.SharedEmbedding();
        Assert.Single(model.Layers);
        Assert.Single(model.Weights);
        Assert.Equal(128_000, model.CountParams());
        var a = Tensor.RandInt(0, 1000, 2, 5);
        var b = Tensor.RandInt(0, 1000, 2, 3);
        var outputs = model.Call([a, b]);
        Assert.Equal([[2, 5, 128], [2, 3, 128]], outputs.Select(o => o.Shape));
        var shared = model.Layers[0];
        Assert.Throws<InvalidOperationException>(() => shared.Output);

        string path = Path.Combine(directory, "shared.normlab");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Single(loaded.Weights);
        var again = loaded.Call([a, b]);
        for (int i = 0; i < 2; i++) Assert.Equal(outputs[i].ToArray(), again[i].ToArray());

        var printed = new List<string>();
        model.Summary(printed.Add);
        Assert.Contains(printed, l => l.Contains("text_a[0][0]"));
        Assert.Contains(printed, l => l.Contains("text_b[0][0]"));
    }

    [Fact]
    public void ToyResNet_KerasParameterCount_SummaryConnections_TrainsAndRoundTrips()
    {
        NormLabRandom.SetSeed(4);
        var model = FunctionalApiGuide.ToyResNet();
        Assert.Equal(223_242, model.CountParams());
        var printed = new List<string>();
        model.Summary(printed.Add);
        Assert.Contains(printed, l => l.Contains("img (InputLayer)") && l.Contains("(None, 32, 32, 3)"));
        Assert.Contains(printed, l => l.Contains("(Add)") && l.Contains("(None, 9, 9, 64)"));
        Assert.Contains(printed, l => l.Contains("Total params: 223,242"));
        var addLayers = model.Layers.OfType<Add>().ToList();
        Assert.Equal(2, addLayers.Count);
        // The second Add joins the last convolution and the first Add's output.
        Assert.Equal(addLayers[0], addLayers[1].Output.Inputs[1].Layer);

        var x = Tensor.Rand(8, 32, 32, 3);
        var y = Tensor.RandInt(0, 10, 8);
        model.Compile(optimizer: "rmsprop", loss: new NormLab.Losses.SparseCategoricalCrossentropy(fromLogits: true), metrics: ["accuracy"]);
        var history = model.Fit(x, y, epochs: 1, batchSize: 4, verbose: 0);
        Assert.True(double.IsFinite(history["loss"][0]));
        string path = Path.Combine(directory, "resnet.normlab");
        model.Save(path);
        Assert.Equal(model.Predict(x).ToArray(), Model.Load(path).Predict(x).ToArray());
    }

    [Fact]
    public void Ensemble_ModelsAreCallableLikeLayers()
    {
        NormLabRandom.SetSeed(5);
        var (ensemble, members) = FunctionalApiGuide.Ensemble();
        Assert.Equal(3, ensemble.Layers.OfType<Model>().Count());
        Assert.Equal(3 * 129, ensemble.CountParams());
        var x = Tensor.Rand(4, 128);
        var expected = members.Select(m => m.Predict(x)).Aggregate(Ops.Add);
        Assert.Equal(expected.ToArray(), ensemble.Predict(x).ToArray(), new FloatTolerance(1e-6f));

        var printed = new List<string>();
        ensemble.Summary(printed.Add);
        Assert.Contains(printed, l => l.Contains($"{members[0].Name} (Functional)"));
        string path = Path.Combine(directory, "ensemble.normlab");
        ensemble.Save(path);
        Assert.Equal(ensemble.Predict(x).ToArray(), Model.Load(path).Predict(x).ToArray());
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance * Math.Max(1, Math.Abs(a));
        public int GetHashCode(float value) => 0;
    }
}

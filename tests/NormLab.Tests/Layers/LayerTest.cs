using System.Text.Json.Nodes;
using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Layers;

/// <summary>
/// The generic harness every layer goes through (as Keras's layer_test): output shape against
/// ComputeOutputShape, trainable and non-trainable weight counts, the config round trip by saving a
/// model that contains the layer and loading it back (same config, identical predictions), and one
/// training step with Fit that changes the loss (for layers with weights).
/// </summary>
public static class LayerTest
{
    /// <summary>Runs the harness on a single-input layer.</summary>
    /// <param name="create">Makes a fresh layer (called twice).</param>
    /// <param name="inputShape">The full input shape, batch first.</param>
    /// <param name="expectedOutputShape">The full output shape, batch first.</param>
    /// <param name="input">The input data; uniform [-1, 1) when omitted.</param>
    public static void Run(Func<Layer> create, int[] inputShape, int[] expectedOutputShape,
        int trainableWeights, int nonTrainableWeights = 0, Tensor? input = null)
    {
        NormLabRandom.SetSeed(7);
        var x = input ?? GradCheck.Uniform(11, -1, 1, inputShape);
        Assert.Equal(inputShape, x.Shape);

        // 1. Shapes: the call, ComputeOutputShape before and after building, and the expectation agree.
        var layer = create();
        Assert.False(layer.Built);
        var output = layer.Call(x);
        Assert.True(layer.Built);
        Assert.Equal(expectedOutputShape, output.Shape);
        Assert.Equal(expectedOutputShape, layer.ComputeOutputShape(inputShape));
        Assert.Equal(inputShape, layer.BuiltInputShape);
        Assert.Equal(output.ToArray(), layer.Call(x, training: false).ToArray());

        // 2. Weight counts, and GetWeights/SetWeights round trip in Keras order.
        Assert.Equal(trainableWeights, layer.TrainableWeights.Count);
        Assert.Equal(nonTrainableWeights, layer.NonTrainableWeights.Count);
        Assert.Equal(trainableWeights + nonTrainableWeights, layer.Weights.Count);
        Assert.Equal(layer.Weights.Sum(w => w.Size), layer.CountParams());
        var weights = layer.GetWeights();
        layer.SetWeights(weights);
        Assert.Equal(output.ToArray(), layer.Call(x).ToArray());

        // 3. Config round trip through a saved Sequential model.
        var model = new Sequential([create()]);
        var before = model.Predict(x);
        var path = Path.Combine(Path.GetTempPath(), $"normlab-layertest-{Guid.NewGuid():N}.normlab");
        try
        {
            model.Save(path);
            var loaded = Model.Load(path);
            Assert.IsType<Sequential>(loaded);
            var loadedLayer = Assert.Single(loaded.Layers);
            // The loaded class is the saved one, or the class an alias names (MaxPool2D → MaxPooling2D).
            Assert.IsAssignableFrom(loadedLayer.GetType(), model.Layers[0]);
            Assert.Equal(Normalize(model.Layers[0].GetConfig()), Normalize(loadedLayer.GetConfig()));
            Assert.Equal(before.ToArray(), loaded.Predict(x).ToArray());
            Assert.Equal(model.Layers[0].TrainableWeights.Count, loadedLayer.TrainableWeights.Count);
            Assert.Equal(model.Layers[0].NonTrainableWeights.Count, loadedLayer.NonTrainableWeights.Count);
        }
        finally { File.Delete(path); }

        // 4. One training step changes the loss (and the weights) when there is something to train.
        var target = GradCheck.Uniform(12, -1, 1, expectedOutputShape);
        model.Compile(optimizer: new NormLab.Optimizers.SGD(learningRate: 0.1), loss: "mse");
        var initial = model.GetWeights();
        var history = model.Fit(x, target, epochs: 2, batchSize: inputShape[0], shuffle: false, verbose: 0);
        Assert.Equal(2, history["loss"].Count);
        Assert.All(history["loss"], v => Assert.True(double.IsFinite(v)));
        var trained = model.GetWeights();
        if (trainableWeights > 0)
        {
            Assert.NotEqual(history["loss"][0], history["loss"][1]);
            Assert.Contains(Enumerable.Range(0, initial.Length), i => !initial[i].ToArray().SequenceEqual(trained[i].ToArray()));
        }
        else
        {
            Assert.Empty(trained);
        }
    }

    /// <summary>The harness for merge layers: inside a functional model Input → two Dense → merge → Dense.</summary>
    public static void RunMerge(Func<MergeLayer> create, int features, int[] expectedMergedShape)
    {
        NormLabRandom.SetSeed(8);
        var x = GradCheck.Uniform(13, -1, 1, 4, features);
        var a = GradCheck.Uniform(14, -1, 1, 4, 3);
        var b = GradCheck.Uniform(15, -1, 1, 4, 3);

        var layer = create();
        var merged = layer.Call([a, b]);
        Assert.Equal(expectedMergedShape, merged.Shape);
        Assert.Empty(layer.Weights);

        var inputs = new Input([features]);
        var left = new Dense(3, activation: "tanh").Call(inputs);
        var right = new Dense(3).Call(inputs);
        var mergeLayer = create();
        var joined = mergeLayer.Call([left, right]);
        Assert.Equal(expectedMergedShape[1..], joined.Shape);
        var model = new Model(inputs, new Dense(2).Call(joined));
        Assert.Equal(6, model.TrainableWeights.Count);
        var before = model.Predict(x);
        var path = Path.Combine(Path.GetTempPath(), $"normlab-layertest-{Guid.NewGuid():N}.normlab");
        try
        {
            model.Save(path);
            var loaded = Model.Load(path);
            var loadedMerge = loaded.Layers.Single(l => l.GetType() == mergeLayer.GetType());
            Assert.Equal(Normalize(mergeLayer.GetConfig()), Normalize(loadedMerge.GetConfig()));
            Assert.Equal(before.ToArray(), loaded.Predict(x).ToArray());
        }
        finally { File.Delete(path); }

        model.Compile(optimizer: new NormLab.Optimizers.SGD(learningRate: 0.1), loss: "mse");
        var history = model.Fit(x, GradCheck.Uniform(16, -1, 1, 4, 2), epochs: 2, batchSize: 4, shuffle: false, verbose: 0);
        Assert.NotEqual(history["loss"][0], history["loss"][1]);
    }

    private static string Normalize(JsonObject config) => config.ToJsonString();
}

using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Models;

/// <summary>Keras semantics of the model API that the other tests do not pin down.</summary>
public class ModelBehaviourTests
{
    private static Sequential Mlp(int seed)
    {
        NormLabRandom.SetSeed(seed);
        var model = new Sequential([
            new Dense(6, activation: "relu", inputShape: [3]),
            new Dropout(0.5),
            new Dense(3, activation: "softmax"),
        ]);
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return model;
    }

    [Fact]
    public void Predict_And_Evaluate_DoNotDependOnBatchSize()
    {
        var model = Mlp(1);
        var x = Tensor.RandN(10, 3);
        var y = Tensor.RandInt(0, 3, 10);
        var whole = model.Predict(x, batchSize: 100).ToArray();
        var pieces = model.Predict(x, batchSize: 3).ToArray();
        Assert.Equal(whole.Length, pieces.Length);
        for (int i = 0; i < whole.Length; i++) Assert.Equal(whole[i], pieces[i], 1e-6);
        // Inference mode: dropout is off, so predictions repeat.
        Assert.Equal(whole, model.Predict(x, batchSize: 100).ToArray());
        var a = model.Evaluate(x, y, batchSize: 100);
        var b = model.Evaluate(x, y, batchSize: 3);
        Assert.Equal(a["loss"], b["loss"], 1e-5);
        Assert.Equal(a["accuracy"], b["accuracy"], 1e-9);
    }

    [Fact]
    public void SameSeed_SameTraining()
    {
        var x = GradCheck.Uniform(1, -1, 1, 20, 3);
        var y = Tensor.FromArray(Enumerable.Range(0, 20).Select(i => (float)(i % 3)).ToArray(), 20);
        var first = Mlp(2).Fit(x, y, epochs: 3, batchSize: 4, verbose: 0)["loss"].ToArray();
        var second = Mlp(2).Fit(x, y, epochs: 3, batchSize: 4, verbose: 0)["loss"].ToArray();
        Assert.Equal(first, second);
    }

    [Fact]
    public void FrozenLayer_IsNotTrained_And_StaysFrozenAfterLoading()
    {
        var model = Mlp(3);
        model.Layers[0].Trainable = false;
        Assert.Equal(2, model.TrainableWeights.Count);
        Assert.Equal(2, model.NonTrainableWeights.Count);
        var frozen = model.Layers[0].GetWeights();
        var trainable = model.Layers[2].GetWeights();
        model.Fit(Tensor.RandN(16, 3), Tensor.RandInt(0, 3, 16), epochs: 2, batchSize: 4, verbose: 0);
        for (int i = 0; i < 2; i++) Assert.Equal(frozen[i].ToArray(), model.Layers[0].GetWeights()[i].ToArray());
        Assert.NotEqual(trainable[0].ToArray(), model.Layers[2].GetWeights()[0].ToArray());
        string path = Path.Combine(Path.GetTempPath(), $"frozen-{Guid.NewGuid():N}.normlab");
        try
        {
            model.Save(path);
            var loaded = Model.Load(path);
            Assert.False(loaded.Layers[0].Trainable);
            Assert.Equal(2, loaded.NonTrainableWeights.Count);
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("sparse_categorical_crossentropy")]
    [InlineData("categorical_crossentropy")]
    [InlineData("binary_crossentropy")]
    public void Accuracy_IsResolvedFromTheLoss(string loss)
    {
        // Two samples, the first right and the second wrong under every resolution.
        var prediction = Tensor.FromArray([0.7f, 0.2f, 0.1f, 0.6f, 0.3f, 0.1f], 2, 3);
        Tensor y = loss switch
        {
            "sparse_categorical_crossentropy" => Tensor.FromArray([0f, 1f], 2),
            "categorical_crossentropy" => Tensor.FromArray([1f, 0, 0, 0, 1, 0], 2, 3),
            _ => Tensor.FromArray([1f, 0, 0, 1, 1, 1], 2, 3),   // binary: 3 of 3, then 1 of 3 values right
        };
        var model = new Sequential([new Activation("linear", inputShape: [3])]);
        model.Compile(optimizer: "sgd", loss: loss, metrics: ["accuracy"]);
        double expected = loss == "binary_crossentropy" ? (1.0 + 1.0 / 3) / 2 : 0.5;
        Assert.Equal(expected, model.Evaluate(prediction, y)["accuracy"], 1e-9);
    }

    [Fact]
    public void Mae_Metric_And_Loss()
    {
        var model = new Sequential([new Activation("linear", inputShape: [2])]);
        model.Compile(optimizer: "sgd", loss: "mse", metrics: ["mae"]);
        var scores = model.Evaluate(Tensor.FromArray([1f, 2, 3, 4], 2, 2), Tensor.FromArray([0f, 2, 5, 4], 2, 2));
        Assert.Equal((1.0 + 4) / 4, scores["loss"], 1e-6);
        Assert.Equal((1.0 + 2) / 4, scores["mae"], 1e-6);
    }

    [Fact]
    public void Functional_GetWeights_SetWeights_RoundTrip()
    {
        NormLabRandom.SetSeed(4);
        var inputs = new Input([3]);
        var h = new Dense(4).Call(inputs);
        var model = new Model(inputs, new Dense(2).Call(new Concatenate().Call([h, new Dense(2).Call(inputs)])));
        var weights = model.GetWeights();
        Assert.Equal(6, weights.Length);
        var x = Tensor.RandN(3, 3);
        var before = model.Predict(x).ToArray();
        model.SetWeights(weights.Select(w => Tensor.Zeros(w.Shape)).ToArray());
        Assert.All(model.Predict(x).ToArray(), v => Assert.Equal(0f, v));
        model.SetWeights(weights);
        Assert.Equal(before, model.Predict(x).ToArray());
    }

    [Fact]
    public void Tensor_FromArray_Copies_And_RandInt_Validates()
    {
        var source = new float[] { 1, 2 };
        var t = Tensor.FromArray(source, 2);
        source[0] = 5;
        Assert.Equal(1f, t[0]);
        var e = Assert.Throws<ArgumentException>(() => Tensor.RandInt(3, 3, 2));
        Assert.Contains("3", e.Message);
        Assert.Throws<ArgumentException>(() => Tensor.FromArray([1f, 2f, 3f], 2, 2));
    }
}

using NormLab.Layers;
using NormLab.Optimizers;
using Xunit;

namespace NormLab.Tests.Models;

/// <summary>Training really learns: accuracy on separable toy problems, and every optimizer lowers the loss.</summary>
public class TrainingTests
{
    /// <summary>Two Gaussian blobs in 2-D, labels 0/1, centers at ±(1.5, 1.5) with unit spread.</summary>
    internal static (Tensor x, Tensor y) Blobs(int n, int seed)
    {
        var rng = new Random(seed);
        var x = new float[n * 2];
        var y = new float[n];
        for (int i = 0; i < n; i++)
        {
            int label = i % 2;
            double center = label == 0 ? -1.5 : 1.5;
            for (int j = 0; j < 2; j++)
            {
                double g = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
                x[i * 2 + j] = (float)(center + 0.6 * g);
            }
            y[i] = label;
        }
        return (Tensor.FromArray(x, n, 2), Tensor.FromArray(y, n));
    }

    /// <summary>XOR-like quadrants: label = sign(x0) != sign(x1); needs a hidden layer.</summary>
    internal static (Tensor x, Tensor y) Xor(int n, int seed)
    {
        var rng = new Random(seed);
        var x = new float[n * 2];
        var y = new float[n];
        for (int i = 0; i < n; i++)
        {
            // Keep a margin around the axes so the problem is separable.
            float a = (float)((0.2 + rng.NextDouble()) * (rng.Next(2) * 2 - 1));
            float b = (float)((0.2 + rng.NextDouble()) * (rng.Next(2) * 2 - 1));
            x[i * 2] = a; x[i * 2 + 1] = b;
            y[i] = (a > 0) != (b > 0) ? 1 : 0;
        }
        return (Tensor.FromArray(x, n, 2), Tensor.FromArray(y, n));
    }

    [Fact]
    public void Mlp_LearnsBlobs_Above95Percent()
    {
        NormLabRandom.SetSeed(1);
        var (x, y) = Blobs(256, 1);
        var model = new Sequential([new Dense(8, activation: "relu", inputShape: [2]), new Dense(2, activation: "softmax")]);
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        var h = model.Fit(x, y, epochs: 20, batchSize: 16, verbose: 0);
        Assert.True(h["loss"][^1] < h["loss"][0] * 0.5, $"loss {h["loss"][0]} -> {h["loss"][^1]}");
        var (tx, ty) = Blobs(200, 2);
        Assert.True(model.Evaluate(tx, ty)["accuracy"] > 0.95, $"held-out accuracy {model.Evaluate(tx, ty)["accuracy"]}");
        Assert.True(h["accuracy"][^1] > 0.95);
    }

    [Fact]
    public void Mlp_LearnsXor_WithAHiddenLayer()
    {
        NormLabRandom.SetSeed(2);
        var (x, y) = Xor(400, 3);
        var model = new Sequential([
            new Dense(16, activation: "tanh", inputShape: [2]),
            new Dense(16, activation: "tanh"),
            new Dense(1, activation: "sigmoid"),
        ]);
        model.Compile(optimizer: new Adam(learningRate: 0.02), loss: "binary_crossentropy", metrics: ["accuracy"]);
        var h = model.Fit(x, y.Reshape(400, 1), epochs: 40, batchSize: 32, verbose: 0);
        Assert.True(h["loss"][^1] < h["loss"][0] * 0.5, $"loss {h["loss"][0]} -> {h["loss"][^1]}");
        var (tx, ty) = Xor(200, 4);
        double accuracy = model.Evaluate(tx, ty.Reshape(200, 1))["accuracy"];
        Assert.True(accuracy > 0.95, $"held-out accuracy {accuracy}");
    }

    public static TheoryData<string> OptimizerNames => new() { "adam", "sgd", "sgd_momentum", "sgd_nesterov", "rmsprop", "rmsprop_centered_momentum", "adamw" };

    [Theory]
    [MemberData(nameof(OptimizerNames))]
    public void EveryOptimizer_LowersTheLoss(string name)
    {
        Optimizer optimizer = name switch
        {
            "sgd" => new SGD(learningRate: 0.05),
            "sgd_momentum" => new SGD(learningRate: 0.02, momentum: 0.9),
            "sgd_nesterov" => new SGD(learningRate: 0.02, momentum: 0.9, nesterov: true),
            "rmsprop_centered_momentum" => new RMSprop(learningRate: 0.005, momentum: 0.5, centered: true),
            _ => name,
        };
        NormLabRandom.SetSeed(3);
        var (x, y) = Blobs(128, 5);
        var model = new Sequential([new Dense(8, activation: "tanh", inputShape: [2]), new Dense(2, activation: "softmax")]);
        model.Compile(optimizer: optimizer, loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        var h = model.Fit(x, y, epochs: 6, batchSize: 16, verbose: 0);
        Assert.True(h["loss"][^1] < h["loss"][0] * 0.8, $"{name}: loss {string.Join(", ", h["loss"].Select(v => v.ToString("F4")))}");
        Assert.Equal(6 * 8, model.Optimizer!.Iterations);
    }

    [Fact]
    public void Cnn_LossFalls()
    {
        // Bright top half vs bright bottom half, 8x8 images.
        NormLabRandom.SetSeed(4);
        var rng = new Random(6);
        int n = 64;
        var data = new float[n * 64];
        var labels = new float[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = i % 2;
            for (int p = 0; p < 64; p++)
                data[i * 64 + p] = (float)(rng.NextDouble() * 0.5 + ((p < 32) == (i % 2 == 0) ? 0.5 : 0));
        }
        var model = new Sequential([
            new Conv2D(4, 3, padding: "same", activation: "relu", inputShape: [8, 8, 1]),
            new MaxPooling2D(2),
            new Flatten(),
            new Dense(2, activation: "softmax"),
        ]);
        model.Compile(optimizer: new Adam(learningRate: 0.01), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        var h = model.Fit(Tensor.FromArray(data, n, 8, 8, 1), Tensor.FromArray(labels, n), epochs: 10, batchSize: 16, verbose: 0);
        Assert.True(h["loss"][^1] < h["loss"][0], $"loss {h["loss"][0]} -> {h["loss"][^1]}");
        Assert.True(h["accuracy"][^1] > 0.9, $"accuracy {h["accuracy"][^1]}");
    }

    [Fact]
    public void Fit_Records_ValidationKeys_And_EpochCounts()
    {
        NormLabRandom.SetSeed(5);
        var (x, y) = Blobs(50, 7);
        var model = new Sequential([new Dense(2, activation: "softmax", inputShape: [2])]);
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy", "sparse_categorical_accuracy"]);
        var h = model.Fit(x, y, epochs: 3, batchSize: 8, validationSplit: 0.2, verbose: 0);
        Assert.Equal(3, h.Epochs);
        foreach (var key in new[] { "loss", "accuracy", "sparse_categorical_accuracy", "val_loss", "val_accuracy", "val_sparse_categorical_accuracy" })
            Assert.Equal(3, h[key].Count);
        var (vx, vy) = Blobs(10, 8);
        var h2 = model.Fit(x, y, epochs: 2, batchSize: 8, validationData: (vx, vy), verbose: 0);
        Assert.Equal(2, h2["val_loss"].Count);
        Assert.Equal(h2["val_loss"][^1], model.Evaluate(vx, vy)["loss"], 5);
    }

    [Fact]
    public void Verbose_PrintsProgress_And_Verbose0_IsSilent()
    {
        NormLabRandom.SetSeed(6);
        var (x, y) = Blobs(40, 9);
        var model = new Sequential([new Dense(2, activation: "softmax", inputShape: [2])]);
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        var stdout = Console.Out;
        try
        {
            var silent = new StringWriter();
            Console.SetOut(silent);
            model.Fit(x, y, epochs: 1, batchSize: 8, verbose: 0);
            Assert.Equal("", silent.ToString());
            var one = new StringWriter();
            Console.SetOut(one);
            model.Fit(x, y, epochs: 2, batchSize: 8, verbose: 1);
            Assert.Contains("Epoch 2/2", one.ToString());
            Assert.Contains("loss", one.ToString());
            var two = new StringWriter();
            Console.SetOut(two);
            model.Fit(x, y, epochs: 2, batchSize: 8, verbose: 2);
            Assert.Contains("accuracy", two.ToString());
        }
        finally { Console.SetOut(stdout); }
    }
}

using NormLab.Layers;
using NormLab.Optimizers;

namespace NormLab.Tests.Fit;

/// <summary>Small models and data shared by the Fit, Dataset and callback tests.</summary>
internal static class FitData
{
    /// <summary>n samples of 3 features and labels in [0, 3), from a fixed seed.</summary>
    internal static (Tensor x, Tensor y) Classes(int n, int seed = 1)
    {
        var rng = new Random(seed);
        var x = new float[n * 3];
        var y = new float[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = i % 3;
            for (int j = 0; j < 3; j++) x[i * 3 + j] = (float)(rng.NextDouble() - 0.5 + (j == i % 3 ? 1 : 0));
        }
        return (Tensor.FromArray(x, n, 3), Tensor.FromArray(y, n));
    }

    /// <summary>A Dense(3, softmax) classifier with seeded weights, compiled with SGD(learningRate).</summary>
    internal static Sequential Classifier(int seed = 7, double learningRate = 0.1, Optimizer? optimizer = null, params string[] metrics)
    {
        NormLabRandom.SetSeed(seed);
        var model = new Sequential([new Dense(4, activation: "relu", inputShape: [3]), new Dense(3, activation: "softmax")]);
        model.Compile(optimizer: optimizer ?? new SGD(learningRate), loss: "sparse_categorical_crossentropy", metrics: metrics.Select(m => (NormLab.Metrics.Metric)m));
        return model;
    }

    /// <summary>Every weight of the model, flattened in order.</summary>
    internal static float[] Flat(Model model) => model.Weights.SelectMany(w => w.ToArray()).ToArray();
}

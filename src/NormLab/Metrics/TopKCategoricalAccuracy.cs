namespace NormLab.Metrics;

/// <summary>How often the one-hot target's class is among the k highest predictions, as keras.metrics.TopKCategoricalAccuracy.</summary>
/// <param name="k">How many of the highest predictions count, &gt;= 1 (Keras default 5).</param>
/// <param name="name">The name; "top_k_categorical_accuracy" by default.</param>
public sealed class TopKCategoricalAccuracy(int k = 5, string? name = null)
    : MeanMetricWrapper((yTrue, yPred) => Score(yTrue, yPred, TopK.Require(k, nameof(TopKCategoricalAccuracy))), name ?? "top_k_categorical_accuracy")
{
    /// <summary>How many of the highest predictions count.</summary>
    public int K { get; } = TopK.Require(k, nameof(TopKCategoricalAccuracy));

    private static Tensor Score(Tensor yTrue, Tensor yPred, int k)
    {
        Accuracies.RequireMatchingShapes(yTrue, yPred, "top_k_categorical_accuracy");
        int classes = yPred.Dims[^1];
        var labels = new int[yPred.Size / classes];
        for (int r = 0; r < labels.Length; r++) labels[r] = Accuracies.ArgMax(yTrue.Data.AsSpan(r * classes, classes));
        return Accuracies.InTopK(labels, yPred, k);
    }
}

/// <summary>How often the integer label is among the k highest predictions, as keras.metrics.SparseTopKCategoricalAccuracy.</summary>
/// <param name="k">How many of the highest predictions count, &gt;= 1 (Keras default 5).</param>
/// <param name="name">The name; "sparse_top_k_categorical_accuracy" by default.</param>
public sealed class SparseTopKCategoricalAccuracy(int k = 5, string? name = null)
    : MeanMetricWrapper((yTrue, yPred) => Accuracies.InTopK(Losses.Labels.Sparse(yTrue, yPred, "sparse_top_k_categorical_accuracy"), yPred,
        TopK.Require(k, nameof(SparseTopKCategoricalAccuracy))), name ?? "sparse_top_k_categorical_accuracy")
{
    /// <summary>How many of the highest predictions count.</summary>
    public int K { get; } = TopK.Require(k, nameof(SparseTopKCategoricalAccuracy));
}

internal static class TopK
{
    internal static int Require(int k, string owner) =>
        k >= 1 ? k : throw new ArgumentException($"{owner}: k must be >= 1, received {k}.");
}

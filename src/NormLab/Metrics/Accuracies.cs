using NormLab.Losses;

namespace NormLab.Metrics;

/// <summary>The per-sample scores of the named metrics, as Keras's metric functions.</summary>
internal static class Accuracies
{
    internal static Tensor SparseCategorical(Tensor yTrue, Tensor yPred, string name)
    {
        var labels = Labels.Sparse(yTrue, yPred, name);
        int classes = yPred.Dims[^1];
        return PerRow(labels.Length, r => ArgMax(yPred.Data.AsSpan(r * classes, classes)) == labels[r] ? 1 : 0);
    }

    internal static Tensor Categorical(Tensor yTrue, Tensor yPred, string name)
    {
        RequireMatchingShapes(yTrue, yPred, name);
        int classes = yPred.Dims[^1], rows = yPred.Size / classes;
        return PerRow(rows, r => ArgMax(yPred.Data.AsSpan(r * classes, classes)) == ArgMax(yTrue.Data.AsSpan(r * classes, classes)) ? 1 : 0);
    }

    internal static Tensor Binary(Tensor yTrue, Tensor yPred, string name)
    {
        RequireMatchingShapes(yTrue, yPred, name);
        return PerValue(yPred, i => (yPred.Data[i] > 0.5f ? 1f : 0f) == yTrue.Data[i] ? 1 : 0);
    }

    internal static Tensor MeanAbsoluteError(Tensor yTrue, Tensor yPred, string name)
    {
        RequireMatchingShapes(yTrue, yPred, name);
        return PerValue(yPred, i => Math.Abs(yPred.Data[i] - yTrue.Data[i]));
    }

    /// <summary>Whether the target class is among the k highest scores (ties at the boundary count as in, as TF's in_top_k).</summary>
    internal static Tensor InTopK(int[] labels, Tensor yPred, int k)
    {
        int classes = yPred.Dims[^1];
        return PerRow(labels.Length, r =>
        {
            var row = yPred.Data.AsSpan(r * classes, classes);
            int higher = 0;
            foreach (var v in row) if (v > row[labels[r]]) higher++;
            return higher < k ? 1 : 0;
        });
    }

    /// <summary>One score per row of the last axis, shaped (rows); Mean averages a sample's rows.</summary>
    private static Tensor PerRow(int rows, Func<int, float> score)
    {
        var values = new float[rows];
        for (int r = 0; r < rows; r++) values[r] = score(r);
        return Tensor.FromArray(values, rows);
    }

    /// <summary>A score per value, in the predictions' shape; Mean averages each sample's values.</summary>
    private static Tensor PerValue(Tensor yPred, Func<int, double> score)
    {
        var values = new float[yPred.Size];
        for (int i = 0; i < values.Length; i++) values[i] = (float)score(i);
        return Tensor.FromArray(values, yPred.Shape);
    }

    internal static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int j = 1; j < row.Length; j++) if (row[j] > row[best]) best = j;
        return best;
    }

    /// <summary>Throws unless the shapes agree, a trailing axis of size 1 aside ((N) against (N, 1)), as Keras squeezes.</summary>
    internal static void RequireMatchingShapes(Tensor yTrue, Tensor yPred, string name)
    {
        static ReadOnlySpan<int> Squeezed(ReadOnlySpan<int> d) => d.Length > 1 && d[^1] == 1 ? d[..^1] : d;
        if (yTrue.Rank == 0 || yPred.Rank == 0 || yTrue.Dims[0] != yPred.Dims[0] || !Shapes.Equal(Squeezed(yTrue.Dims), Squeezed(yPred.Dims)))
            throw new ArgumentException($"Metric {name}: targets of shape {Shapes.Format(yTrue.Dims)} do not match predictions of shape {Shapes.Format(yPred.Dims)}.");
    }
}

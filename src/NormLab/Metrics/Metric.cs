using NormLab.Losses;

namespace NormLab.Metrics;

/// <summary>
/// A per-sample score averaged over an epoch (Keras's MeanMetricWrapper). Strings work wherever a
/// metric is expected: <c>metrics: ["accuracy"]</c>; "accuracy" is resolved from the loss as Keras does.
/// Names: accuracy, sparse_categorical_accuracy, categorical_accuracy, binary_accuracy, mae.
/// </summary>
public sealed class Metric
{
    private static readonly Dictionary<string, Func<Tensor, Tensor, string, double[]>> Scores = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sparse_categorical_accuracy"] = SparseCategoricalAccuracy,
        ["categorical_accuracy"] = CategoricalAccuracy,
        ["binary_accuracy"] = BinaryAccuracy,
        ["mae"] = MeanAbsoluteError,
        ["mean_absolute_error"] = MeanAbsoluteError,
    };

    private double total, count;

    private Metric(string name) => Name = name;

    /// <summary>The name shown in logs and History ("accuracy" stays "accuracy" as in Keras).</summary>
    public string Name { get; }

    private string Kind { get; set; } = "";

    /// <summary>The metric with this Keras name; unknown names list the valid ones.</summary>
    public static Metric Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!name.Equals("accuracy", StringComparison.OrdinalIgnoreCase) && !name.Equals("acc", StringComparison.OrdinalIgnoreCase) && !Scores.ContainsKey(name))
            throw new ArgumentException($"Unknown metric '{name}'. Valid metric names: accuracy, {string.Join(", ", Scores.Keys.Order())}.");
        return new Metric(name.ToLowerInvariant() == "acc" ? "accuracy" : name.ToLowerInvariant());
    }

    /// <summary>Lets a Keras name be written where a metric is expected.</summary>
    public static implicit operator Metric(string name) => Get(name);

    /// <summary>A fresh copy bound to the loss (resolves "accuracy").</summary>
    internal Metric ResolveFor(Loss loss) => new(Name) { Kind = Name == "accuracy" ? loss.AccuracyMetric : Name };

    /// <summary>Adds one batch.</summary>
    internal void Update(Tensor yTrue, Tensor yPred)
    {
        foreach (var score in Scores[Kind](yTrue, yPred, Name)) { total += score; count++; }
    }

    /// <summary>The mean so far.</summary>
    internal double Result() => count == 0 ? 0 : total / count;

    /// <summary>Starts a new epoch.</summary>
    internal void Reset() => total = count = 0;

    private static double[] SparseCategoricalAccuracy(Tensor yTrue, Tensor yPred, string name)
    {
        var labels = Labels.Sparse(yTrue, yPred, name);
        int classes = yPred.Dims[^1];
        return labels.Select((label, r) => ArgMax(yPred.Data.AsSpan(r * classes, classes)) == label ? 1.0 : 0.0).ToArray();
    }

    private static double[] CategoricalAccuracy(Tensor yTrue, Tensor yPred, string name)
    {
        RequireSameShape(yTrue, yPred, name);
        int classes = yPred.Dims[^1], rows = yPred.Size / classes;
        return Enumerable.Range(0, rows).Select(r =>
            ArgMax(yPred.Data.AsSpan(r * classes, classes)) == ArgMax(yTrue.Data.AsSpan(r * classes, classes)) ? 1.0 : 0.0).ToArray();
    }

    private static double[] BinaryAccuracy(Tensor yTrue, Tensor yPred, string name)
    {
        RequireSameShape(yTrue, yPred, name);
        return PerSample(yPred, i => (yPred.Data[i] > 0.5f ? 1f : 0f) == yTrue.Data[i] ? 1 : 0);
    }

    private static double[] MeanAbsoluteError(Tensor yTrue, Tensor yPred, string name)
    {
        RequireSameShape(yTrue, yPred, name);
        return PerSample(yPred, i => Math.Abs(yPred.Data[i] - yTrue.Data[i]));
    }

    /// <summary>The per-value score averaged over each sample's values (Keras averages the last axis).</summary>
    private static double[] PerSample(Tensor yPred, Func<int, double> value)
    {
        int rows = yPred.Dims[0], width = yPred.Size / Math.Max(1, rows);
        var scores = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double sum = 0;
            for (int j = 0; j < width; j++) sum += value(r * width + j);
            scores[r] = sum / width;
        }
        return scores;
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int j = 1; j < row.Length; j++) if (row[j] > row[best]) best = j;
        return best;
    }

    private static void RequireSameShape(Tensor yTrue, Tensor yPred, string name)
    {
        if (!Shapes.Equal(yTrue.Dims, yPred.Dims))
            throw new ArgumentException($"Metric {name}: targets of shape {Shapes.Format(yTrue.Dims)} do not match predictions of shape {Shapes.Format(yPred.Dims)}.");
    }
}

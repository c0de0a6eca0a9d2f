using NormLab.Losses;

namespace NormLab.Metrics;

/// <summary>
/// The weighted mean over batches of a per-sample score fn(yTrue, yPred), as keras.metrics.MeanMetricWrapper;
/// the named accuracies and mae are instances of it.
/// </summary>
public class MeanMetricWrapper : Mean
{
    private static readonly Dictionary<string, Func<Tensor, Tensor, string, Tensor>> Scores = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sparse_categorical_accuracy"] = Accuracies.SparseCategorical,
        ["categorical_accuracy"] = Accuracies.Categorical,
        ["binary_accuracy"] = Accuracies.Binary,
        ["mae"] = Accuracies.MeanAbsoluteError,
        ["mean_absolute_error"] = Accuracies.MeanAbsoluteError,
    };

    private readonly Func<Tensor, Tensor, Tensor>? score;

    /// <summary>Averages <paramref name="score"/> over samples and batches.</summary>
    /// <param name="score">Returns one value per sample, batch first (more values per sample are averaged).</param>
    /// <param name="name">The name; by default the class name in snake_case.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="score"/> is null.</exception>
    public MeanMetricWrapper(Func<Tensor, Tensor, Tensor> score, string? name = null) : base(name) =>
        this.score = score ?? throw new ArgumentNullException(nameof(score));

    /// <summary>"accuracy" before Compile picks the accuracy that fits the loss.</summary>
    private MeanMetricWrapper(string name) : base(name) { }

    /// <summary>The named score (an accuracy or mae).</summary>
    internal static MeanMetricWrapper Named(string name) => new((t, p) => Scores[name](t, p, name), name.ToLowerInvariant());

    /// <summary>"accuracy", resolved from the loss by Compile as Keras does.</summary>
    internal static MeanMetricWrapper Accuracy(string name) => new(name);

    internal override Metric ResolveFor(Loss loss) => score != null ? this
        : new MeanMetricWrapper((t, p) => Scores[loss.AccuracyMetric](t, p, Name), Name);

    /// <inheritdoc/>
    /// <exception cref="ArgumentNullException">When <paramref name="yTrue"/> or <paramref name="yPred"/> is null.</exception>
    /// <exception cref="InvalidOperationException">When the metric is one that Compile resolves from the loss (such as "accuracy") and has no score function.</exception>
    /// <exception cref="ArgumentException">When <paramref name="sampleWeight"/> does not hold one finite, non-negative weight per sample.</exception>
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        ArgumentNullException.ThrowIfNull(yTrue);
        ArgumentNullException.ThrowIfNull(yPred);
        if (score == null)
            throw new InvalidOperationException($"Metric '{Name}' is chosen by Compile from the loss; outside Compile use 'binary_accuracy', 'categorical_accuracy' or 'sparse_categorical_accuracy'.");
        UpdateState(score(yTrue, yPred), sampleWeight);
    }
}

/// <summary>sqrt of the weighted mean of each sample's mean squared error, as keras.metrics.RootMeanSquaredError.</summary>
/// <param name="name">The name; "root_mean_squared_error" by default.</param>
public sealed class RootMeanSquaredError(string? name = null) : Mean(name)
{
    /// <inheritdoc/>
    /// <exception cref="ArgumentNullException">When <paramref name="yTrue"/> or <paramref name="yPred"/> is null.</exception>
    /// <exception cref="ArgumentException">When the shapes of the targets and predictions do not match, or <paramref name="sampleWeight"/> does not hold one finite, non-negative weight per sample.</exception>
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        ArgumentNullException.ThrowIfNull(yTrue);
        ArgumentNullException.ThrowIfNull(yPred);
        Accuracies.RequireMatchingShapes(yTrue, yPred, Name);
        var squares = new float[yPred.Size];
        for (int i = 0; i < squares.Length; i++) squares[i] = (yPred.Data[i] - yTrue.Data[i]) * (yPred.Data[i] - yTrue.Data[i]);
        UpdateState(Tensor.FromArray(squares, yPred.Shape), sampleWeight);
    }

    /// <inheritdoc/>
    public override double Result() => Math.Sqrt(base.Result());
}

using NormLab.Layers;
using NormLab.Losses;

namespace NormLab.Metrics;

/// <summary>
/// A stateful metric, as keras.metrics.Metric: <see cref="UpdateState"/> accumulates batches,
/// <see cref="Result"/> reads the value so far, <see cref="ResetState"/> starts over (Fit and Evaluate
/// reset every metric at the start of each epoch). Users subclass it for their own metrics. Strings
/// work wherever a metric is expected: <c>metrics: ["accuracy", "auc"]</c>; "accuracy" is resolved from
/// the loss as Keras does.
/// </summary>
/// <example><code>
/// sealed class MaxError : Metric
/// {
///     double max;
///     public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null) =>
///         max = Math.Max(max, Ops.Abs(Ops.Sub(yPred, yTrue)).ToArray().Max());
///     public override double Result() => max;
///     public override void ResetState() => max = 0;
/// }
/// </code></example>
public abstract class Metric
{
    private static readonly Dictionary<string, Func<Metric>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        ["accuracy"] = () => MeanMetricWrapper.Accuracy("accuracy"),
        ["acc"] = () => MeanMetricWrapper.Accuracy("accuracy"),
        ["sparse_categorical_accuracy"] = () => MeanMetricWrapper.Named("sparse_categorical_accuracy"),
        ["categorical_accuracy"] = () => MeanMetricWrapper.Named("categorical_accuracy"),
        ["binary_accuracy"] = () => MeanMetricWrapper.Named("binary_accuracy"),
        ["mae"] = () => MeanMetricWrapper.Named("mae"),
        ["mean_absolute_error"] = () => MeanMetricWrapper.Named("mean_absolute_error"),
        ["top_k_categorical_accuracy"] = () => new TopKCategoricalAccuracy(),
        ["sparse_top_k_categorical_accuracy"] = () => new SparseTopKCategoricalAccuracy(),
        ["root_mean_squared_error"] = () => new RootMeanSquaredError(),
        ["precision"] = () => new Precision(),
        ["recall"] = () => new Recall(),
        ["auc"] = () => new AUC(),
        ["f1_score"] = () => new F1Score(),
    };

    /// <summary>Names the metric.</summary>
    /// <param name="name">The name shown in logs and History; by default the class name in snake_case, as Keras.</param>
    protected Metric(string? name = null) => Name = name ?? Layer.SnakeCase(GetType().Name);

    /// <summary>The name shown in logs and History.</summary>
    public string Name { get; }

    /// <summary>Adds one batch.</summary>
    /// <param name="yTrue">The targets.</param>
    /// <param name="yPred">The predictions, batch first.</param>
    /// <param name="sampleWeight">One weight per sample, shape (batch) or (batch, 1); null weighs all samples 1.</param>
    public abstract void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null);

    /// <summary>The value over every batch since the last reset.</summary>
    public abstract double Result();

    /// <summary>Forgets every batch (the start of an epoch).</summary>
    public abstract void ResetState();

    /// <summary>The metric with this Keras name, freshly constructed with Keras's defaults; unknown names list the valid ones.</summary>
    /// <param name="name">A Keras metric name, e.g. "accuracy", "auc", "precision".</param>
    /// <exception cref="ArgumentNullException">When <paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException">When <paramref name="name"/> is not a known metric name.</exception>
    public static Metric Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Factories.TryGetValue(name, out var factory))
            throw new ArgumentException($"Unknown metric '{name}'. Valid metric names: {string.Join(", ", Factories.Keys.Order())}.");
        return factory();
    }

    /// <summary>Lets a Keras name be written where a metric is expected.</summary>
    /// <param name="name">A Keras metric name such as "accuracy" or "mae", e.g. <c>metrics: ["accuracy"]</c> in Compile.</param>
    public static implicit operator Metric(string name) => Get(name);

    /// <summary>The metric Compile uses for <paramref name="loss"/>: itself, except "accuracy", which depends on the loss.</summary>
    internal virtual Metric ResolveFor(Loss loss) => this;
}

namespace NormLab.Metrics;

/// <summary>
/// tp / (tp + fp) over every value of every batch, as keras.metrics.Precision: a prediction above
/// <c>thresholds</c> is positive, a nonzero label is positive; 0 before any predicted positive.
/// </summary>
/// <param name="thresholds">The decision threshold in [0, 1] (Keras default 0.5; Keras also takes a list, not supported).</param>
/// <param name="classId">Only this column of the last axis counts (null: every value).</param>
/// <param name="name">The name; "precision" by default.</param>
public sealed class Precision(double thresholds = 0.5, int? classId = null, string? name = null) : Metric(name)
{
    private readonly ConfusionCounts counts = new([ConfusionThreshold.Require(thresholds, nameof(Precision))]);
    private readonly int? classId = ConfusionThreshold.RequireClassId(classId, nameof(Precision));

    /// <inheritdoc/>
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null) =>
        counts.Update(yTrue, yPred, sampleWeight, classId, fromLogits: false, Name);

    /// <inheritdoc/>
    public override double Result()
    {
        var (tp, fp, _, _) = counts.Totals();
        return ConfusionCounts.DivideNoNan(tp[0], tp[0] + fp[0]);
    }

    /// <inheritdoc/>
    public override void ResetState() => counts.Reset();
}

/// <summary>
/// tp / (tp + fn) over every value of every batch, as keras.metrics.Recall: a prediction above
/// <c>thresholds</c> is positive, a nonzero label is positive; 0 before any positive label.
/// </summary>
/// <param name="thresholds">The decision threshold in [0, 1] (Keras default 0.5; Keras also takes a list, not supported).</param>
/// <param name="classId">Only this column of the last axis counts (null: every value).</param>
/// <param name="name">The name; "recall" by default.</param>
public sealed class Recall(double thresholds = 0.5, int? classId = null, string? name = null) : Metric(name)
{
    private readonly ConfusionCounts counts = new([ConfusionThreshold.Require(thresholds, nameof(Recall))]);
    private readonly int? classId = ConfusionThreshold.RequireClassId(classId, nameof(Recall));

    /// <inheritdoc/>
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null) =>
        counts.Update(yTrue, yPred, sampleWeight, classId, fromLogits: false, Name);

    /// <inheritdoc/>
    public override double Result()
    {
        var (tp, _, _, fn) = counts.Totals();
        return ConfusionCounts.DivideNoNan(tp[0], tp[0] + fn[0]);
    }

    /// <inheritdoc/>
    public override void ResetState() => counts.Reset();
}

/// <summary>Validation shared by the threshold metrics.</summary>
internal static class ConfusionThreshold
{
    /// <summary>The threshold as its float32 value (Keras compares in float32); throws outside [0, 1].</summary>
    internal static double Require(double threshold, string owner) =>
        threshold is >= 0 and <= 1 ? (float)threshold : throw new ArgumentException($"{owner}: thresholds must be in [0, 1], received {threshold}.");

    internal static int? RequireClassId(int? classId, string owner) =>
        classId is null or >= 0 ? classId : throw new ArgumentException($"{owner}: classId must be >= 0, received {classId}.");
}

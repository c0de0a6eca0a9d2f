namespace NormLab.Losses;

/// <summary>
/// Binary focal cross-entropy (Lin et al. 2017) as Keras 3: (1 - p_t)^gamma times the binary
/// cross-entropy, times alpha t + (1 - alpha)(1 - t) with class balancing, averaged over the last axis.
/// </summary>
/// <param name="applyClassBalancing">Whether to weigh positives by alpha and negatives by 1 - alpha.</param>
/// <param name="alpha">The balancing weight of positives, in [0, 1].</param>
/// <param name="gamma">The focusing exponent, &gt;= 0 (0 gives the binary cross-entropy).</param>
/// <param name="fromLogits">Whether predictions are logits (Keras's from_logits).</param>
/// <param name="labelSmoothing">In [0, 1]: targets become t (1 - s) + s / 2.</param>
public sealed class BinaryFocalCrossentropy(bool applyClassBalancing = false, double alpha = 0.25, double gamma = 2.0,
    bool fromLogits = false, double labelSmoothing = 0) : Loss
{
    /// <summary>The balancing weight of positives.</summary>
    public double Alpha { get; } = RequireFraction(alpha, nameof(alpha), nameof(BinaryFocalCrossentropy));

    /// <summary>The focusing exponent.</summary>
    public double Gamma { get; } = FocalGamma.Require(gamma, nameof(BinaryFocalCrossentropy));

    /// <summary>The label smoothing s in [0, 1].</summary>
    public double LabelSmoothing { get; } = RequireFraction(labelSmoothing, nameof(labelSmoothing), nameof(BinaryFocalCrossentropy));

    /// <inheritdoc/>
    public override bool FromLogits => fromLogits;

    /// <inheritdoc/>
    public override string Name => "binary_focal_crossentropy";

    /// <inheritdoc/>
    public override Tensor Call(Tensor yTrue, Tensor yPred)
    {
        RequireMatchingShapes(yTrue, yPred);
        return CrossentropyMath.Binary(yTrue, yPred, fromLogits, LabelSmoothing, Gamma, applyClassBalancing ? Alpha : null);
    }
}

/// <summary>
/// Categorical focal cross-entropy as Keras 3: -alpha sum t (1 - q)^gamma log q over the last axis, with
/// q the renormalized, clipped probabilities. From logits (given, or a softmax output's) q is the
/// softmax without the clip, so that a confidently wrong prediction keeps its gradient (Keras clips there
/// too); the two agree wherever every probability exceeds 1e-7.
/// </summary>
/// <param name="alpha">The weight of every class's term, in [0, 1] (Keras also takes a list per class; not supported).</param>
/// <param name="gamma">The focusing exponent, &gt;= 0 (0 with alpha 1 gives the categorical cross-entropy).</param>
/// <param name="fromLogits">Whether predictions are logits (Keras's from_logits).</param>
/// <param name="labelSmoothing">In [0, 1]: targets become t (1 - s) + s / classes.</param>
public sealed class CategoricalFocalCrossentropy(double alpha = 0.25, double gamma = 2.0, bool fromLogits = false, double labelSmoothing = 0) : Loss
{
    /// <summary>The weight of every class's term.</summary>
    public double Alpha { get; } = RequireFraction(alpha, nameof(alpha), nameof(CategoricalFocalCrossentropy));

    /// <summary>The focusing exponent.</summary>
    public double Gamma { get; } = FocalGamma.Require(gamma, nameof(CategoricalFocalCrossentropy));

    /// <summary>The label smoothing s in [0, 1].</summary>
    public double LabelSmoothing { get; } = RequireFraction(labelSmoothing, nameof(labelSmoothing), nameof(CategoricalFocalCrossentropy));

    /// <inheritdoc/>
    public override bool FromLogits => fromLogits;

    /// <inheritdoc/>
    public override string Name => "categorical_focal_crossentropy";
    internal override string AccuracyMetric => "categorical_accuracy";

    /// <inheritdoc/>
    public override Tensor Call(Tensor yTrue, Tensor yPred)
    {
        RequireMatchingShapes(yTrue, yPred);
        return CrossentropyMath.Categorical(yPred, fromLogits, CategoricalCrossentropy.SmoothedRows(yTrue, LabelSmoothing), Gamma, Alpha);
    }
}

/// <summary>Validation of the focusing exponent shared by the focal losses.</summary>
internal static class FocalGamma
{
    internal static double Require(double gamma, string owner) =>
        gamma >= 0 && double.IsFinite(gamma) ? gamma : throw new ArgumentException($"{owner}: gamma must be finite and >= 0, received {gamma}.");
}

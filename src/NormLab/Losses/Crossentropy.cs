namespace NormLab.Losses;

/// <summary>
/// Cross-entropy with integer labels (batch) or (batch, 1) against class scores (batch, classes).
/// From probabilities, Keras first renormalizes each row to sum 1 and clips to [1e-7, 1 - 1e-7]; a
/// softmax output is read through its logits, as tf.keras does. Keras's sparse
/// cross-entropy has no label smoothing.
/// </summary>
/// <param name="fromLogits">Whether predictions are logits (Keras's from_logits).</param>
public sealed class SparseCategoricalCrossentropy(bool fromLogits = false) : Loss
{
    /// <inheritdoc/>
    public override bool FromLogits => fromLogits;

    /// <inheritdoc/>
    public override string Name => "sparse_categorical_crossentropy";
    internal override string AccuracyMetric => "sparse_categorical_accuracy";

    /// <inheritdoc/>
    public override Tensor Call(Tensor yTrue, Tensor yPred)
    {
        var labels = Labels.Sparse(yTrue, yPred, Name);
        return CrossentropyMath.Categorical(yPred, fromLogits, (r, target) =>
        {
            Array.Clear(target);
            target[labels[r]] = 1;
        });
    }
}

/// <summary>
/// Cross-entropy with one-hot (or soft) targets of the predictions' shape. From probabilities, each
/// row is renormalized and clipped as Keras; a softmax output is read through its logits.
/// </summary>
/// <param name="fromLogits">Whether predictions are logits (Keras's from_logits).</param>
/// <param name="labelSmoothing">In [0, 1]: targets become t (1 - s) + s / classes.</param>
public sealed class CategoricalCrossentropy(bool fromLogits = false, double labelSmoothing = 0) : Loss
{
    /// <summary>The label smoothing s in [0, 1].</summary>
    public double LabelSmoothing { get; } = RequireFraction(labelSmoothing, nameof(labelSmoothing), nameof(CategoricalCrossentropy));

    /// <inheritdoc/>
    public override bool FromLogits => fromLogits;

    /// <inheritdoc/>
    public override string Name => "categorical_crossentropy";
    internal override string AccuracyMetric => "categorical_accuracy";

    /// <inheritdoc/>
    public override Tensor Call(Tensor yTrue, Tensor yPred)
    {
        RequireMatchingShapes(yTrue, yPred);
        return CrossentropyMath.Categorical(yPred, fromLogits, SmoothedRows(yTrue, LabelSmoothing));
    }

    /// <summary>Copies target row r with Keras's smoothing t (1 - s) + s / classes.</summary>
    internal static Action<int, float[]> SmoothedRows(Tensor yTrue, double smoothing) => (r, target) =>
    {
        int classes = target.Length;
        for (int j = 0; j < classes; j++)
            target[j] = (float)(yTrue.Data[r * classes + j] * (1 - smoothing) + smoothing / classes);
    };
}

/// <summary>
/// Binary cross-entropy, averaged over the last axis per sample: from probabilities clipped to
/// [1e-7, 1 - 1e-7], or from logits (given, or those of a sigmoid output) in the stable form.
/// Targets of shape (batch) against predictions (batch, 1) are accepted, as Keras.
/// </summary>
/// <param name="fromLogits">Whether predictions are logits (Keras's from_logits).</param>
/// <param name="labelSmoothing">In [0, 1]: targets become t (1 - s) + s / 2.</param>
public sealed class BinaryCrossentropy(bool fromLogits = false, double labelSmoothing = 0) : Loss
{
    /// <summary>The label smoothing s in [0, 1].</summary>
    public double LabelSmoothing { get; } = RequireFraction(labelSmoothing, nameof(labelSmoothing), nameof(BinaryCrossentropy));

    /// <inheritdoc/>
    public override bool FromLogits => fromLogits;

    /// <inheritdoc/>
    public override string Name => "binary_crossentropy";

    /// <inheritdoc/>
    public override Tensor Call(Tensor yTrue, Tensor yPred)
    {
        RequireMatchingShapes(yTrue, yPred);
        return CrossentropyMath.Binary(yTrue, yPred, fromLogits, LabelSmoothing);
    }
}

using NormLab.Losses;

namespace NormLab.Metrics;

/// <summary>
/// The mean intersection over union of class ids, as keras.metrics.MeanIoU: a confusion matrix over every
/// value of every batch, then per class tp / (tp + fp + fn + 1e-7), averaged over the classes that
/// occur in the targets or predictions.
/// </summary>
/// <param name="numClasses">How many classes, &gt;= 1.</param>
/// <param name="name">The name; "mean_io_u" by default, as Keras.</param>
/// <param name="ignoreClass">Targets of this class are left out.</param>
/// <param name="sparseYTrue">Whether targets are class ids (else one-hot or scores along <c>axis</c> -1).</param>
/// <param name="sparseYPred">Whether predictions are class ids (Keras's default) rather than scores along the last axis.</param>
public sealed class MeanIoU(int numClasses, string? name = null, int? ignoreClass = null, bool sparseYTrue = true, bool sparseYPred = true)
    : Metric(name ?? "mean_io_u")
{
    private readonly double[,] confusion = new double[numClasses >= 1 ? numClasses
        : throw new ArgumentException($"MeanIoU: numClasses must be >= 1, received {numClasses}."), numClasses];

    /// <summary>How many classes.</summary>
    public int NumClasses { get; } = numClasses;

    /// <inheritdoc/>
    /// <exception cref="ArgumentNullException">When <paramref name="yTrue"/> or <paramref name="yPred"/> is null.</exception>
    /// <exception cref="ArgumentException">When an input is a scalar, a sparse input holds a value that is not a class id, the targets and predictions hold different numbers of class ids, or <paramref name="sampleWeight"/> does not hold one finite, non-negative weight per sample.</exception>
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        ArgumentNullException.ThrowIfNull(yTrue);
        ArgumentNullException.ThrowIfNull(yPred);
        var truth = ClassIds(yTrue, sparseYTrue, "yTrue");
        var predicted = ClassIds(yPred, sparseYPred, "yPred");
        if (truth.Length != predicted.Length || yTrue.Dims[0] != yPred.Dims[0])
            throw new ArgumentException($"MeanIoU '{Name}': targets of shape {Shapes.Format(yTrue.Dims)} and predictions of shape {Shapes.Format(yPred.Dims)} hold {truth.Length} and {predicted.Length} class ids.");
        int samples = yTrue.Dims[0], perSample = truth.Length / samples;
        var weights = sampleWeight == null ? null : SampleWeights.Read(sampleWeight, samples, nameof(MeanIoU));
        for (int i = 0; i < truth.Length; i++)
            if (truth[i] != ignoreClass) confusion[truth[i], predicted[i]] += weights?[i / perSample] ?? 1;
    }

    /// <inheritdoc/>
    public override double Result()
    {
        // Keras: iou = tp / (denominator + 1e-7); the mean over classes with denominator > 1e-9, + 1e-7.
        double sum = 0, valid = 0;
        for (int c = 0; c < NumClasses; c++)
        {
            double truthCount = 0, predictedCount = 0;
            for (int k = 0; k < NumClasses; k++) { truthCount += confusion[c, k]; predictedCount += confusion[k, c]; }
            double denominator = truthCount + predictedCount - confusion[c, c];
            if (denominator > 1e-9) valid++;
            sum += confusion[c, c] / (denominator + 1e-7);
        }
        return sum / (valid + 1e-7);
    }

    /// <inheritdoc/>
    public override void ResetState() => Array.Clear(confusion);

    /// <summary>The class ids, flattened: the values themselves, or the argmax of the last axis.</summary>
    private int[] ClassIds(Tensor t, bool sparse, string argument)
    {
        if (t.Rank == 0) throw new ArgumentException($"MeanIoU '{Name}': {argument} must have a batch axis, received shape ().");
        if (!sparse)
        {
            int classes = t.Dims[^1];
            return Enumerable.Range(0, t.Size / classes).Select(r => Accuracies.ArgMax(t.Data.AsSpan(r * classes, classes))).ToArray();
        }
        var ids = new int[t.Size];
        for (int i = 0; i < ids.Length; i++)
        {
            float v = t.Data[i];
            if (!(v >= 0 && v < NumClasses) || v != MathF.Floor(v))
                throw new ArgumentException($"MeanIoU '{Name}': {argument} holds {v} at index {i}, not a class id in [0, {NumClasses}).");
            ids[i] = (int)v;
        }
        return ids;
    }
}

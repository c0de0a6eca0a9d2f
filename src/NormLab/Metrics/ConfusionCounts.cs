using NormLab.Losses;

namespace NormLab.Metrics;

/// <summary>
/// Weighted true/false positives and negatives at ascending thresholds, accumulated over batches as
/// Keras's update_confusion_matrix_variables: a label is positive when nonzero, a prediction when it
/// exceeds the threshold. Each value's weight lands in one bucket (how many thresholds it exceeds), so a
/// batch costs O(values log thresholds).
/// </summary>
internal sealed class ConfusionCounts
{
    private readonly double[] thresholds;
    private readonly double[] positives, negatives;

    /// <param name="thresholds">Ascending thresholds, as float32 values (Keras compares in float32).</param>
    internal ConfusionCounts(double[] thresholds)
    {
        this.thresholds = thresholds;
        positives = new double[thresholds.Length + 1];
        negatives = new double[thresholds.Length + 1];
    }

    internal int Count => thresholds.Length;

    /// <summary>
    /// Adds a batch. <paramref name="classId"/> keeps one column of the last axis; <paramref name="fromLogits"/>
    /// applies a sigmoid to the predictions first.
    /// </summary>
    internal void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight, int? classId, bool fromLogits, string who)
    {
        ArgumentNullException.ThrowIfNull(yTrue);
        ArgumentNullException.ThrowIfNull(yPred);
        Accuracies.RequireMatchingShapes(yTrue, yPred, who);
        int samples = yPred.Dims[0], perSample = yPred.Size / samples, width = yPred.Rank > 1 ? yPred.Dims[^1] : 1;
        if (classId is int id && id >= width)
            throw new ArgumentException($"Metric {who}: classId {id} is outside the predictions' last axis of size {width} (shape {Shapes.Format(yPred.Dims)}).");
        var weights = sampleWeight == null ? null : SampleWeights.Read(sampleWeight, samples, who);
        for (int i = 0; i < yPred.Size; i++)
        {
            if (classId is int c && i % width != c) continue;
            double p = fromLogits ? 1 / (1 + Math.Exp(-yPred.Data[i])) : yPred.Data[i];
            if (double.IsNaN(p))
                throw new ArgumentException($"Metric {who}: prediction {i} is NaN.");
            double weight = weights == null ? 1 : weights[i / perSample];
            int bucket = Exceeded(fromLogits ? (float)p : p);
            if (yTrue.Data[i] != 0) positives[bucket] += weight;
            else negatives[bucket] += weight;
        }
    }

    /// <summary>How many thresholds p exceeds (thresholds are ascending).</summary>
    private int Exceeded(double p)
    {
        int low = 0, high = thresholds.Length;
        while (low < high)
        {
            int mid = (low + high) / 2;
            if (p > thresholds[mid]) low = mid + 1;
            else high = mid;
        }
        return low;
    }

    /// <summary>Per threshold k: tp, fp (weights exceeding it), tn, fn (the rest).</summary>
    internal (double[] tp, double[] fp, double[] tn, double[] fn) Totals()
    {
        int n = thresholds.Length;
        double[] tp = new double[n], fp = new double[n], tn = new double[n], fn = new double[n];
        double positivesAbove = 0, negativesAbove = 0, allPositives = positives.Sum(), allNegatives = negatives.Sum();
        for (int k = n - 1; k >= 0; k--)
        {
            positivesAbove += positives[k + 1];
            negativesAbove += negatives[k + 1];
            (tp[k], fp[k], fn[k], tn[k]) = (positivesAbove, negativesAbove, allPositives - positivesAbove, allNegatives - negativesAbove);
        }
        return (tp, fp, tn, fn);
    }

    internal void Reset()
    {
        Array.Clear(positives);
        Array.Clear(negatives);
    }

    /// <summary>a / b, 0 where b is 0 (Keras's divide_no_nan).</summary>
    internal static double DivideNoNan(double a, double b) => b == 0 ? 0 : a / b;
}

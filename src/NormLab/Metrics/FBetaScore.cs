using NormLab.Losses;

namespace NormLab.Metrics;

/// <summary>
/// The F-beta score of (batch, classes) predictions, as keras.metrics.FBetaScore: per class,
/// (1 + beta²) P R / (beta² P + R) from counts accumulated over batches, with Keras's epsilon 1e-7
/// in every division; a prediction is positive above <c>threshold</c>, or, without one, where it is
/// its row's nonzero maximum.
/// </summary>
public class FBetaScore : Metric
{
    private const double Epsilon = 1e-7;
    private readonly double? threshold;
    private double[]? truePositives, falsePositives, falseNegatives, support;

    /// <summary>Creates the metric.</summary>
    /// <param name="average">"micro", "macro" or "weighted" (by each class's number of positive labels).
    /// Keras's default null gives the vector per class; here <see cref="Metric.Result"/> is one number,
    /// so the default is "macro" and the vector is <see cref="ResultPerClass"/>.</param>
    /// <param name="beta">The weight of recall, &gt; 0 (Keras default 1).</param>
    /// <param name="threshold">In (0, 1]; null: each row's maximum is the positive.</param>
    /// <param name="name">The name; "fbeta_score" by default.</param>
    /// <exception cref="ArgumentException">When <paramref name="average"/> is not "micro", "macro" or "weighted", <paramref name="beta"/> is not finite and &gt; 0, or <paramref name="threshold"/> is outside (0, 1].</exception>
    public FBetaScore(string average = "macro", double beta = 1.0, double? threshold = null, string? name = null) : base(name ?? "fbeta_score")
    {
        Average = average is "micro" or "macro" or "weighted" ? average
            : throw new ArgumentException($"{GetType().Name}: average must be \"micro\", \"macro\" or \"weighted\", received \"{average}\".");
        Beta = beta > 0 && double.IsFinite(beta) ? beta : throw new ArgumentException($"{GetType().Name}: beta must be finite and > 0, received {beta}.");
        this.threshold = threshold is null or (> 0 and <= 1) ? threshold
            : throw new ArgumentException($"{GetType().Name}: threshold must be in (0, 1] or null, received {threshold}.");
    }

    /// <summary>"micro", "macro" or "weighted".</summary>
    public string Average { get; }

    /// <summary>The weight of recall.</summary>
    public double Beta { get; }

    /// <inheritdoc/>
    /// <exception cref="ArgumentNullException">When <paramref name="yTrue"/> or <paramref name="yPred"/> is null.</exception>
    /// <exception cref="ArgumentException">When the targets and predictions are not of the same (batch, classes) shape, the number of classes differs from earlier batches, or <paramref name="sampleWeight"/> does not hold one finite, non-negative weight per sample.</exception>
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        ArgumentNullException.ThrowIfNull(yTrue);
        ArgumentNullException.ThrowIfNull(yPred);
        if (yPred.Rank != 2 || !Shapes.Equal(yTrue.Dims, yPred.Dims))
            throw new ArgumentException($"{GetType().Name} '{Name}': expected targets and predictions of the same shape (batch, classes), received {Shapes.Format(yTrue.Dims)} and {Shapes.Format(yPred.Dims)}.");
        int rows = yPred.Dims[0], classes = yPred.Dims[1];
        if (truePositives != null && truePositives.Length != classes)
            throw new ArgumentException($"{GetType().Name} '{Name}': earlier batches had {truePositives.Length} classes, this one {classes}.");
        var weights = sampleWeight == null ? null : SampleWeights.Read(sampleWeight, rows, GetType().Name);
        truePositives ??= new double[classes];
        falsePositives ??= new double[classes];
        falseNegatives ??= new double[classes];
        support ??= new double[classes];
        for (int r = 0; r < rows; r++)
        {
            var row = yPred.Data.AsSpan(r * classes, classes);
            float max = System.Numerics.Tensors.TensorPrimitives.Max(row);
            double w = weights?[r] ?? 1;
            for (int j = 0; j < classes; j++)
            {
                // Keras: without a threshold the row maximum is positive, unless it is 0 (an all-zero row predicts nothing).
                double predicted = (threshold is double t ? row[j] > t : row[j] == max && Math.Abs(row[j]) > 1e-9) ? 1 : 0;
                double label = yTrue.Data[r * classes + j];
                truePositives[j] += w * predicted * label;
                falsePositives[j] += w * predicted * (1 - label);
                falseNegatives[j] += w * (1 - predicted) * label;
                support[j] += w * label;
            }
        }
    }

    /// <summary>The score of each class (one value, over all classes pooled, for "micro").</summary>
    public double[] ResultPerClass()
    {
        if (truePositives == null) return [];
        if (Average == "micro") return [Score(truePositives.Sum(), falsePositives!.Sum(), falseNegatives!.Sum())];
        return truePositives.Select((tp, j) => Score(tp, falsePositives![j], falseNegatives![j])).ToArray();
    }

    /// <inheritdoc/>
    public override double Result()
    {
        var scores = ResultPerClass();
        if (scores.Length == 0) return 0;
        if (Average != "weighted") return scores.Average();
        var positives = support!;
        double total = positives.Sum();
        return scores.Select((s, j) => s * positives[j] / (total + Epsilon)).Sum();
    }

    private double Score(double tp, double fp, double fn)
    {
        double precision = tp / (tp + fp + Epsilon), recall = tp / (tp + fn + Epsilon);
        return (1 + Beta * Beta) * precision * recall / (Beta * Beta * precision + recall + Epsilon);
    }

    /// <inheritdoc/>
    public override void ResetState() => truePositives = falsePositives = falseNegatives = support = null;
}

/// <summary>The F1 score (F-beta with beta 1), as keras.metrics.F1Score.</summary>
/// <param name="average">"micro", "macro" or "weighted" (Keras's default null gives a vector; see <see cref="FBetaScore"/>).</param>
/// <param name="threshold">In (0, 1]; null: each row's maximum is the positive.</param>
/// <param name="name">The name; "f1_score" by default.</param>
public sealed class F1Score(string average = "macro", double? threshold = null, string? name = null)
    : FBetaScore(average, 1.0, threshold, name ?? "f1_score");

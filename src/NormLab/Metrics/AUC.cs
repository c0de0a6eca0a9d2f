namespace NormLab.Metrics;

/// <summary>
/// The area under the ROC or precision-recall curve, approximated as Keras does: confusion counts at
/// <c>numThresholds</c> evenly spaced thresholds (-1e-7, 1/(n-1), ..., 1 + 1e-7), accumulated over batches,
/// then a Riemann sum (ROC: trapezoids in FPR; PR with "interpolation": Davis and Goadrich's
/// interpolation). Labels and predictions of every column are pooled (Keras's multi_label=false).
/// </summary>
/// <param name="numThresholds">How many thresholds, &gt; 1 (Keras default 200).</param>
/// <param name="curve">"ROC" or "PR".</param>
/// <param name="summationMethod">"interpolation", "minoring" or "majoring".</param>
/// <param name="name">The name; "auc" by default.</param>
/// <param name="fromLogits">Whether predictions are logits (a sigmoid is applied first).</param>
public sealed class AUC(int numThresholds = 200, string curve = "ROC", string summationMethod = "interpolation",
    string? name = null, bool fromLogits = false) : Metric(name)
{
    private readonly ConfusionCounts counts = new(Thresholds(numThresholds));

    /// <summary>"ROC" or "PR".</summary>
    public string Curve { get; } = curve?.ToUpperInvariant() is "ROC" or "PR" ? curve.ToUpperInvariant()
        : throw new ArgumentException($"AUC: curve must be \"ROC\" or \"PR\", received \"{curve}\".");

    /// <summary>"interpolation", "minoring" or "majoring".</summary>
    public string SummationMethod { get; } = summationMethod?.ToLowerInvariant() is "interpolation" or "minoring" or "majoring" ? summationMethod.ToLowerInvariant()
        : throw new ArgumentException($"AUC: summationMethod must be \"interpolation\", \"minoring\" or \"majoring\", received \"{summationMethod}\".");

    /// <summary>Whether predictions are logits.</summary>
    public bool FromLogits { get; } = fromLogits;

    /// <inheritdoc/>
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null) =>
        counts.Update(yTrue, yPred, sampleWeight, classId: null, FromLogits, Name);

    /// <inheritdoc/>
    public override double Result()
    {
        var (tp, fp, tn, fn) = counts.Totals();
        int n = counts.Count;
        if (Curve == "PR" && SummationMethod == "interpolation") return InterpolatedPrAuc(tp, fp, fn);
        var x = new double[n];
        var y = new double[n];
        for (int k = 0; k < n; k++)
        {
            double recall = ConfusionCounts.DivideNoNan(tp[k], tp[k] + fn[k]);
            (x[k], y[k]) = Curve == "ROC"
                ? (ConfusionCounts.DivideNoNan(fp[k], fp[k] + tn[k]), recall)
                : (recall, ConfusionCounts.DivideNoNan(tp[k], tp[k] + fp[k]));
        }
        double area = 0;
        for (int k = 0; k < n - 1; k++)
        {
            double height = SummationMethod switch
            {
                "interpolation" => (y[k] + y[k + 1]) / 2,
                "minoring" => Math.Min(y[k], y[k + 1]),
                _ => Math.Max(y[k], y[k + 1]),
            };
            area += (x[k] - x[k + 1]) * height;
        }
        return area;
    }

    /// <summary>Keras's interpolate_pr_auc: precision interpolated linearly in the number of predicted positives.</summary>
    private static double InterpolatedPrAuc(double[] tp, double[] fp, double[] fn)
    {
        double area = 0;
        for (int k = 0; k < tp.Length - 1; k++)
        {
            double dtp = tp[k] - tp[k + 1];
            double p = tp[k] + fp[k], pNext = tp[k + 1] + fp[k + 1];
            double slope = ConfusionCounts.DivideNoNan(dtp, Math.Max(p - pNext, 0));
            double intercept = tp[k + 1] - slope * pNext;
            double ratio = p > 0 && pNext > 0 ? ConfusionCounts.DivideNoNan(p, Math.Max(pNext, 0)) : 1;
            area += ConfusionCounts.DivideNoNan(slope * (dtp + intercept * Math.Log(ratio)), Math.Max(tp[k + 1] + fn[k + 1], 0));
        }
        return area;
    }

    /// <inheritdoc/>
    public override void ResetState() => counts.Reset();

    /// <summary>Keras's thresholds: i / (n - 1) for i in 1 .. n - 2, with -1e-7 and 1 + 1e-7 at the ends, as float32.</summary>
    private static double[] Thresholds(int n)
    {
        if (n < 2) throw new ArgumentException($"AUC: numThresholds must be > 1, received {n}.");
        var thresholds = new double[n];
        thresholds[0] = (float)(0.0 - 1e-7);
        for (int i = 0; i < n - 2; i++) thresholds[i + 1] = (float)((i + 1) * 1.0 / (n - 1));
        thresholds[n - 1] = (float)(1.0 + 1e-7);
        return thresholds;
    }
}

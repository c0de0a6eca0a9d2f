namespace NormLab.Losses;

/// <summary>
/// Cross-entropy with integer labels (batch) or (batch, 1) against class scores (batch, classes).
/// From probabilities, Keras first renormalizes each row to sum 1 and clips to [1e-7, 1 - 1e-7].
/// </summary>
public sealed class SparseCategoricalCrossentropy(bool fromLogits = false) : Loss
{
    /// <inheritdoc/>
    public override bool FromLogits => fromLogits;

    /// <inheritdoc/>
    public override string Name => "sparse_categorical_crossentropy";
    internal override string AccuracyMetric => "sparse_categorical_accuracy";

    /// <inheritdoc/>
    protected override double Evaluate(Tensor yTrue, Tensor yPred, float[] gradient)
    {
        var labels = Labels.Sparse(yTrue, yPred, Name);
        int classes = yPred.Dims[^1];
        var target = new float[classes];
        double total = 0;
        for (int r = 0; r < labels.Length; r++)
        {
            Array.Clear(target);
            target[labels[r]] = 1;
            total += Categorical.Row(target, yPred.Data.AsSpan(r * classes, classes), gradient.AsSpan(r * classes, classes), fromLogits);
        }
        return total;
    }
}

/// <summary>Cross-entropy with one-hot (or soft) targets of the predictions' shape.</summary>
public sealed class CategoricalCrossentropy(bool fromLogits = false) : Loss
{
    /// <inheritdoc/>
    public override bool FromLogits => fromLogits;

    /// <inheritdoc/>
    public override string Name => "categorical_crossentropy";
    internal override string AccuracyMetric => "categorical_accuracy";

    /// <inheritdoc/>
    protected override double Evaluate(Tensor yTrue, Tensor yPred, float[] gradient)
    {
        RequireSameShape(yTrue, yPred);
        int classes = yPred.Dims[^1], rows = yPred.Size / classes;
        double total = 0;
        for (int r = 0; r < rows; r++)
            total += Categorical.Row(yTrue.Data.AsSpan(r * classes, classes), yPred.Data.AsSpan(r * classes, classes), gradient.AsSpan(r * classes, classes), fromLogits);
        return total;
    }
}

/// <summary>Shared row math of the categorical cross-entropies.</summary>
internal static class Categorical
{
    /// <summary>-sum t log q for one row, and d/d prediction into <paramref name="gradient"/>.</summary>
    internal static double Row(ReadOnlySpan<float> target, ReadOnlySpan<float> prediction, Span<float> gradient, bool fromLogits)
    {
        int n = prediction.Length;
        double loss = 0;
        if (fromLogits)
        {
            // Scalar math: loss = sum t * (logsumexp(x) - x); d/dx = softmax(x) * sum t - t
            double max = double.NegativeInfinity;
            foreach (var v in prediction) max = Math.Max(max, v);
            double sumExp = 0;
            foreach (var v in prediction) sumExp += Math.Exp(v - max);
            double logSumExp = max + Math.Log(sumExp), targetSum = 0;
            for (int j = 0; j < n; j++) { loss += target[j] * (logSumExp - prediction[j]); targetSum += target[j]; }
            for (int j = 0; j < n; j++) gradient[j] = (float)(Math.Exp(prediction[j] - logSumExp) * targetSum - target[j]);
            return loss;
        }
        // Scalar math: q = p / sum p; loss = -sum t log clip(q); dq_j/dp_k = (delta_jk - q_j) / sum p
        double sum = 0;
        foreach (var v in prediction) sum += v;
        double weighted = 0;
        var dLdq = new double[n];
        for (int j = 0; j < n; j++)
        {
            double q = prediction[j] / sum;
            double clipped = Math.Clamp(q, 1e-7, 1 - 1e-7);
            loss -= target[j] * Math.Log(clipped);
            dLdq[j] = q == clipped ? -target[j] / q : 0;
            weighted += dLdq[j] * q;
        }
        for (int k = 0; k < n; k++) gradient[k] = (float)((dLdq[k] - weighted) / sum);
        return loss;
    }
}

/// <summary>
/// Binary cross-entropy, averaged over the last axis per sample: from probabilities clipped to
/// [1e-7, 1 - 1e-7], or from logits in the stable form max(x, 0) - x t + log(1 + e^-|x|).
/// </summary>
public sealed class BinaryCrossentropy(bool fromLogits = false) : Loss
{
    /// <inheritdoc/>
    public override bool FromLogits => fromLogits;

    /// <inheritdoc/>
    public override string Name => "binary_crossentropy";

    /// <inheritdoc/>
    protected override double Evaluate(Tensor yTrue, Tensor yPred, float[] gradient)
    {
        RequireSameShape(yTrue, yPred);
        int width = yPred.Rank > 1 ? yPred.Dims[^1] : 1;
        double total = 0;
        for (int i = 0; i < yPred.Size; i++)
        {
            double t = yTrue.Data[i], x = yPred.Data[i];
            if (fromLogits)
            {
                total += Math.Max(x, 0) - x * t + Math.Log(1 + Math.Exp(-Math.Abs(x)));
                gradient[i] = (float)((1 / (1 + Math.Exp(-x)) - t) / width);
            }
            else
            {
                double p = Math.Clamp(x, Epsilon, 1 - Epsilon);
                total -= t * Math.Log(p) + (1 - t) * Math.Log(1 - p);
                gradient[i] = p == x ? (float)(-(t / p - (1 - t) / (1 - p)) / width) : 0f;
            }
        }
        return total / width;
    }
}

namespace NormLab.Losses;

/// <summary>
/// The fused math of the cross-entropies, plain and focal (the plain one is focal with gamma 0, alpha 1).
/// A prediction that a softmax (categorical) or sigmoid (binary) produced is read through its logits,
/// as tf.keras does: the loss and its gradient then come from the logits, so a confidently wrong
/// prediction is not flattened by the probability clip.
/// </summary>
internal static class CrossentropyMath
{
    /// <summary>Keras's probability clip bounds (binary: their float32 values, as the reference fixtures encode).</summary>
    private const double Low = 1e-7, High = 1 - 1e-7;
    private const float BinaryEpsilon = 1e-7f;

    /// <summary>
    /// Per-sample categorical (focal) cross-entropy over the last axis; <paramref name="target"/> fills
    /// the target of row r (rows of the last axis, several per sample for rank &gt; 2, whose losses are averaged).
    /// </summary>
    internal static Tensor Categorical(Tensor yPred, bool fromLogits, Action<int, float[]> target, double gamma = 0, double alpha = 1)
    {
        var source = fromLogits ? yPred : yPred.LogitsOf(LogitsActivation.Softmax) ?? yPred;
        bool logits = fromLogits || !ReferenceEquals(source, yPred);
        int classes = source.Dims[^1], rows = source.Size / classes, rowsPerSample = Math.Max(1, rows / source.Dims[0]);
        return Loss.PerSample(source, (losses, gradient) =>
        {
            var t = new float[classes];
            var scratch = new double[2 * classes];
            for (int r = 0; r < rows; r++)
            {
                target(r, t);
                var rowGradient = gradient.AsSpan(r * classes, classes);
                losses[r / rowsPerSample] += CategoricalRow(t, source.Data.AsSpan(r * classes, classes), rowGradient, scratch, logits, gamma, alpha) / rowsPerSample;
                // As Keras: one loss per row, averaged over the rows (time steps) of a sample.
                if (rowsPerSample > 1) System.Numerics.Tensors.TensorPrimitives.Divide(rowGradient, rowsPerSample, rowGradient);
            }
        });
    }

    /// <summary>-alpha sum t (1 - q)^gamma log q for one row, and its derivative into <paramref name="gradient"/>.</summary>
    private static double CategoricalRow(float[] target, ReadOnlySpan<float> prediction, Span<float> gradient, double[] scratch,
        bool fromLogits, double gamma, double alpha)
    {
        int n = prediction.Length;
        Span<double> q = scratch.AsSpan(0, n), g = scratch.AsSpan(n, n);
        double sum = 0, logSumExp = 0;
        if (fromLogits)
        {
            double max = double.NegativeInfinity;
            foreach (var v in prediction) max = Math.Max(max, v);
            foreach (var v in prediction) sum += Math.Exp(v - max);
            logSumExp = max + Math.Log(sum);
        }
        else
        {
            foreach (var v in prediction) sum += v;
        }
        // Scalar math: q = softmax(x) (logits, unclipped) or clip(p / sum p); loss = -alpha sum t (1 - q)^gamma log q;
        // g_j = d loss / d log q_j = -alpha t_j ((1 - q_j)^gamma - gamma (1 - q_j)^(gamma - 1) q_j log q_j)
        double loss = 0, gSum = 0, weighted = 0;
        for (int j = 0; j < n; j++)
        {
            double raw = fromLogits ? Math.Exp(prediction[j] - logSumExp) : prediction[j] / sum;
            double c = fromLogits ? raw : Math.Clamp(raw, Low, High);
            double logC = fromLogits ? prediction[j] - logSumExp : Math.Log(c);
            var (factor, factorSlope) = Modulation(1 - c, gamma);
            loss -= alpha * target[j] * factor * logC;
            g[j] = -alpha * target[j] * (factor - factorSlope * c * logC);
            q[j] = raw;
            gSum += g[j];
            if (!fromLogits)
            {
                // d loss / d q_j, zero where the clip holds q_j constant.
                g[j] = c == raw ? g[j] / raw : 0;
                weighted += g[j] * raw;
            }
        }
        // Logits: d/dx_k = g_k - q_k sum g.  Probabilities (q = p / S): d/dp_k = (dq_k - sum_j dq_j q_j) / S.
        for (int k = 0; k < n; k++)
            gradient[k] = (float)(fromLogits ? g[k] - q[k] * gSum : (g[k] - weighted) / sum);
        return loss;
    }

    /// <summary>
    /// Per-sample binary (focal) cross-entropy, averaged over the sample's values: from probabilities clipped
    /// to [1e-7, 1 - 1e-7], or from logits in the stable form max(x, 0) - x t + log(1 + e^-|x|).
    /// </summary>
    internal static Tensor Binary(Tensor yTrue, Tensor yPred, bool fromLogits, double labelSmoothing,
        double gamma = 0, double? balancingAlpha = null)
    {
        var source = fromLogits ? yPred : yPred.LogitsOf(LogitsActivation.Sigmoid) ?? yPred;
        bool logits = fromLogits || !ReferenceEquals(source, yPred);
        int perSample = source.Size / source.Dims[0];
        return Loss.PerSample(source, (losses, gradient) =>
        {
            for (int i = 0; i < source.Size; i++)
            {
                double t = yTrue.Data[i] * (1 - labelSmoothing) + 0.5 * labelSmoothing;
                var (loss, slope) = BinaryPoint(t, source.Data[i], logits, gamma, balancingAlpha);
                losses[i / perSample] += loss / perSample;
                gradient[i] = (float)(slope / perSample);
            }
        });
    }

    /// <summary>w (1 - p_t)^gamma bce(t, x) and its derivative with respect to x (the logit or the probability).</summary>
    private static (double loss, double slope) BinaryPoint(double t, double x, bool fromLogits, double gamma, double? balancingAlpha)
    {
        // Scalar math: bce = -(t log p + (1 - t) log(1 - p)); p_t = t p + (1 - t)(1 - p); loss = w (1 - p_t)^gamma bce
        double p, bce, bceSlope, pSlope;
        if (fromLogits)
        {
            p = 1 / (1 + Math.Exp(-x));
            bce = Math.Max(x, 0) - x * t + Math.Log(1 + Math.Exp(-Math.Abs(x)));
            (bceSlope, pSlope) = (p - t, p * (1 - p));
        }
        else
        {
            // As Keras: the clip applies to the cross-entropy only; the focal factor uses p itself.
            double clipped = Math.Clamp(x, BinaryEpsilon, 1 - BinaryEpsilon);
            p = x;
            bce = -(t * Math.Log(clipped) + (1 - t) * Math.Log(1 - clipped));
            (bceSlope, pSlope) = (clipped == x ? -(t / clipped - (1 - t) / (1 - clipped)) : 0, 1);
        }
        double weight = balancingAlpha is { } a ? t * a + (1 - t) * (1 - a) : 1;
        var (factor, factorSlope) = Modulation(1 - (t * p + (1 - t) * (1 - p)), gamma);
        // d(1 - p_t)/dp = 1 - 2t.
        double slope = weight * (factorSlope * (1 - 2 * t) * pSlope * bce + factor * bceSlope);
        return (weight * factor * bce, slope);
    }

    /// <summary>The focal factor m^gamma and its derivative gamma m^(gamma - 1); for gamma &lt; 1 the slope at m = 0 is taken as 0 (the loss's limit there).</summary>
    private static (double factor, double slope) Modulation(double m, double gamma)
    {
        if (gamma == 0) return (1, 0);
        m = Math.Max(m, 0);
        return (Math.Pow(m, gamma), m == 0 && gamma < 1 ? 0 : gamma * Math.Pow(m, gamma - 1));
    }
}

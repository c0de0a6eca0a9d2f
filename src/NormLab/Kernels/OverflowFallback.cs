namespace NormLab.Kernels;

/// <summary>
/// Statistics of inputs whose squares overflow float (|x| above ~1.8e19): the float sums of the fast
/// kernels become infinite there, so the groups whose statistics came out non-finite are computed
/// again, exactly, in double (x² stays below 1.2e77). Rare, so it costs the fast kernels one check of
/// their statistics and nothing more. A group holding NaN or infinity stays NaN, as before.
/// </summary>
internal static class OverflowFallback
{
    /// <summary>
    /// Recomputes, in double, the mean and biased variance of every (b, k) of the <c>[B, O, K, I]</c>
    /// view whose mean or variance is not finite. Returns whether any group was recomputed.
    /// </summary>
    internal static bool RepairMoments(float[] x, int B, int O, int K, int I, double[] mean, double[] variance)
    {
        bool repaired = false;
        for (int u = 0; u < B * K; u++)
        {
            if (double.IsFinite(mean[u]) && double.IsFinite(variance[u])) continue;
            (mean[u], variance[u]) = ExactMoments(x, u / K, u % K, O, K, I);
            repaired = true;
        }
        return repaired;
    }

    /// <summary>
    /// Recomputes the statistics of every group whose <paramref name="invstd"/> is not a positive finite
    /// number (a fused kernel's overflow gives 0 or NaN): the mean and 1/sqrt(variance + epsilon), or
    /// with <paramref name="rootMeanSquare"/> a zero mean and 1/sqrt(mean square + epsilon). Returns
    /// whether any group was recomputed, so that the caller normalizes again with the new statistics.
    /// </summary>
    internal static bool RepairInvStd(float[] x, int B, int O, int K, int I, double epsilon, bool rootMeanSquare,
        double[] mean, float[] invstd)
    {
        bool repaired = false;
        for (int u = 0; u < B * K; u++)
        {
            if (invstd[u] > 0 && float.IsFinite(invstd[u])) continue;
            var (m, v) = ExactMoments(x, u / K, u % K, O, K, I);
            if (rootMeanSquare) { v += m * m; m = 0; }
            mean[u] = m;
            invstd[u] = (float)(1.0 / Math.Sqrt(v + epsilon));
            repaired = true;
        }
        return repaired;
    }

    /// <summary>Two-pass mean and biased variance in double of x[b, o, k, i] over (o, i).</summary>
    private static (double Mean, double Variance) ExactMoments(float[] x, int b, int k, int O, int K, int I)
    {
        double sum = 0;
        for (int o = 0; o < O; o++)
        {
            long row = (((long)b * O + o) * K + k) * I;
            for (int i = 0; i < I; i++) sum += x[row + i];
        }
        if (!double.IsFinite(sum)) return (double.NaN, double.NaN); // NaN or infinity in the group
        double n = (double)O * I, mean = sum / n, squares = 0;
        for (int o = 0; o < O; o++)
        {
            long row = (((long)b * O + o) * K + k) * I;
            for (int i = 0; i < I; i++) { double d = x[row + i] - mean; squares += d * d; }
        }
        return (mean, squares / n);
    }
}

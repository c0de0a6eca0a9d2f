using System.Numerics.Tensors;

namespace NormLab.Kernels;

/// <summary>
/// Batch and layer statistics pooled from per-(sample, channel) instance ones with equal group sizes, in the
/// stable "law of total variance" form, and the inverse standard deviations of such tables. Vectorized across
/// channels: with a few samples these loops cost as much as a data pass.
/// </summary>
internal static class InstancePooling
{
    /// <summary>
    /// Per-channel statistics: <c>mb[c] = mean_n mi</c>, <c>vb[c] = mean_n vi + mean_n (mi - mb)^2</c>
    /// (algebraically <c>mean_n(vi + mi^2) - mb^2</c>, without its cancellation when |mean| is large).
    /// </summary>
    internal static (double[] mean, double[] variance) OverSamples(double[] mi, double[] vi, int N, int C)
    {
        var mb = new double[C]; var vb = new double[C]; var d = new double[C];
        for (int n = 0; n < N; n++) TensorPrimitives.Add(mb, mi.AsSpan(n * C, C), mb);
        TensorPrimitives.Divide(mb, N, mb);
        for (int n = 0; n < N; n++)
        {
            TensorPrimitives.Subtract(mi.AsSpan(n * C, C), mb, d);
            TensorPrimitives.FusedMultiplyAdd(d, d, vb, vb);
            TensorPrimitives.Add(vb, vi.AsSpan(n * C, C), vb);
        }
        TensorPrimitives.Divide(vb, N, vb);
        return (mb, vb);
    }

    /// <summary>Per-sample statistics, the same form over channels:
    /// <c>ml[n] = mean_c mi</c>, <c>vl[n] = mean_c vi + mean_c (mi - ml)^2</c>.</summary>
    internal static (double[] mean, double[] variance) OverChannels(double[] mi, double[] vi, int N, int C)
    {
        var ml = new double[N]; var vl = new double[N]; var d = new double[C];
        for (int n = 0; n < N; n++)
        {
            var m = mi.AsSpan(n * C, C);
            ml[n] = TensorPrimitives.Sum<double>(m) / C;
            TensorPrimitives.Subtract(m, ml[n], d);
            vl[n] = (TensorPrimitives.Sum<double>(vi.AsSpan(n * C, C)) + TensorPrimitives.SumOfSquares<double>(d)) / C;
        }
        return (ml, vl);
    }

    /// <summary><c>1 / sqrt(variance + epsilon)</c> per entry: a scalar square root and division per
    /// (sample, channel) cost BIN on (32, 20, 128) more than its data pass.</summary>
    internal static double[] InverseStd(double[] variance, double epsilon)
    {
        var s = GC.AllocateUninitializedArray<double>(variance.Length);
        TensorPrimitives.Add(variance, epsilon, s);
        TensorPrimitives.Sqrt(s, s);
        TensorPrimitives.Reciprocal(s, s);
        return s;
    }
}

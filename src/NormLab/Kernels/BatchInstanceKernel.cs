using System.Runtime.CompilerServices;

namespace NormLab.Kernels;

/// <summary>
/// The per-(sample, channel) arithmetic of batch-instance normalization (<see cref="Ops.BatchInstanceNorm"/> has
/// the formulas): the affine coefficients of the forward and the sums and coefficients of the fused backward,
/// in double, rounded to float where the data passes (<see cref="Normalize.Affine"/>,
/// <see cref="SampleChannelNorm"/>) read them. Tables are [N, C]; per-channel arrays have C entries.
/// </summary>
internal static class BatchInstanceKernel
{
    /// <summary>Forward: <c>y = (x - mh) * a + sh</c> per (n, c), the instance mean split into its float
    /// <paramref name="mh"/> and the rest, which goes into the shift.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Coefficients(int N, int C, double[] mi, double[] si, double[] mb, double[] sb,
        float[] gamma, float[] beta, float[] rho, float[] mh, float[] a, float[] sh)
    {
        var body = new CoefficientsBody(mi, si, mb, sb, gamma, beta, rho, mh, a, sh);
        ChannelLoop.Run(ref body, N, C);
    }

    private readonly struct CoefficientsBody(double[] mi, double[] si, double[] mb, double[] sb,
        float[] G, float[] Bt, float[] R, float[] mh, float[] a, float[] sh) : IChannelBody
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Run<T>(int n, int c, int j) where T : struct, ILanes<T>
        {
            var m = T.Load(ref mi[j]); var sj = T.Load(ref si[j]); var sbc = T.Load(ref sb[c]);
            var g = T.Load(ref G[c]); var r = T.Load(ref R[c]); var one = T.Create(1);
            var hi = T.RoundToFloat(m);
            T.Store(hi, ref mh[j]);
            T.Store(g * (r * sbc + (one - r) * sj), ref a[j]);
            T.Store(g * r * sbc * (hi - T.Load(ref mb[c])) + g * (one - r) * sj * (hi - m) + T.Load(ref Bt[c]), ref sh[j]);
        }
    }

    /// <summary>
    /// Backward, from <paramref name="A"/> = sum dy and <paramref name="B"/> = sum dy (x - mh) per (n, c):
    /// <c>Di = sum dy (x - mi)</c> per (n, c) and, per channel, <c>SA = sum_n A</c>, <c>SB = sum_n sum dy (x - mb)</c>,
    /// <c>SI = sum_n si Di</c> (<paramref name="SA"/>, <paramref name="SB"/>, <paramref name="SI"/> start at zero).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Sums(int N, int C, double[] A, double[] B, float[] mh, double[] mi, double[] mb, double[] si,
        double[] Di, double[] SA, double[] SB, double[] SI)
    {
        var body = new SumsBody(A, B, mh, mi, mb, si, Di, SA, SB, SI);
        ChannelLoop.Run(ref body, N, C);
    }

    private readonly struct SumsBody(double[] A, double[] B, float[] mh, double[] mi, double[] mb, double[] si,
        double[] Di, double[] SA, double[] SB, double[] SI) : IChannelBody
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Run<T>(int n, int c, int j) where T : struct, ILanes<T>
        {
            var a = T.Load(ref A[j]); var b = T.Load(ref B[j]); var hi = T.Load(ref mh[j]);
            var d = b + (hi - T.Load(ref mi[j])) * a;
            T.Store(d, ref Di[j]);
            T.Store(T.Load(ref SA[c]) + a, ref SA[c]);
            T.Store(T.Load(ref SB[c]) + (b + (hi - T.Load(ref mb[c])) * a), ref SB[c]);
            T.Store(T.Load(ref SI[c]) + T.Load(ref si[j]) * d, ref SI[c]);
        }
    }

    /// <summary>The gradients of gamma, beta and rho from the channel sums of <see cref="Sums"/>.</summary>
    internal static (float[] dgamma, float[] dbeta, float[] drho) ParameterGradients(int C, float[] gamma, float[] rho,
        double[] sb, double[] SA, double[] SB, double[] SI)
    {
        var dgamma = new float[C]; var dbeta = new float[C]; var drho = new float[C];
        for (int c = 0; c < C; c++)
        {
            double r = rho[c];
            dgamma[c] = (float)(r * sb[c] * SB[c] + (1 - r) * SI[c]);
            dbeta[c] = (float)SA[c];
            drho[c] = (float)(gamma[c] * (sb[c] * SB[c] - SI[c]));
        }
        return (dgamma, dbeta, drho);
    }

    /// <summary>
    /// The input gradient's coefficients: <c>dx = (dy * a) + (x - mh) * q + r</c> per (n, c). The batch terms
    /// (<paramref name="batchStats"/>) use the channel sums <paramref name="SA"/>, <paramref name="SB"/> over
    /// <paramref name="count"/> values (every replica's, when synchronized).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void InputCoefficients(int N, int C, double HW, double count, bool batchStats,
        float[] gamma, float[] rho, double[] sb, double[] SA, double[] SB,
        double[] A, double[] Di, float[] mh, double[] mi, double[] mb, double[] si, float[] q, float[] r)
    {
        // Per channel: the instance terms' factor kIn and the whole batch terms (no division per (n, c)).
        var kIn = new double[C]; var qBn = new double[C]; var rBn = new double[C];
        for (int c = 0; c < C; c++)
        {
            double g = gamma[c], rc = rho[c];
            kIn[c] = -(1 - rc) * g / HW;
            if (!batchStats) continue;
            qBn[c] = -rc * g * sb[c] * sb[c] * sb[c] * SB[c] / count;
            rBn[c] = -rc * g * sb[c] * SA[c] / count;
        }
        var body = new InputBody(kIn, qBn, rBn, A, Di, mh, mi, mb, si, q, r);
        ChannelLoop.Run(ref body, N, C);
    }

    private readonly struct InputBody(double[] kIn, double[] qBn, double[] rBn,
        double[] A, double[] Di, float[] mh, double[] mi, double[] mb, double[] si, float[] q, float[] r) : IChannelBody
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Run<T>(int n, int c, int j) where T : struct, ILanes<T>
        {
            var k = T.Load(ref kIn[c]); var sj = T.Load(ref si[j]); var qb = T.Load(ref qBn[c]);
            var hi = T.Load(ref mh[j]);
            var qIn = k * sj * sj * sj * T.Load(ref Di[j]);
            T.Store(qIn + qb, ref q[j]);
            T.Store(k * sj * T.Load(ref A[j]) + qIn * (hi - T.Load(ref mi[j])) + T.Load(ref rBn[c]) + qb * (hi - T.Load(ref mb[c])), ref r[j]);
        }
    }
}

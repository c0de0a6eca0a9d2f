using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace NormLab.Kernels;

/// <summary>
/// The per-(sample, channel) arithmetic of switchable normalization (<see cref="Ops.SwitchableNorm"/> has the
/// formulas): the mixed statistics and affine coefficients of the forward, and the statistics' gradients and
/// input-gradient coefficients of the fused backward. Tables are [N, C]; per-channel arrays have C entries,
/// per-sample ones N. <c>w</c> and <c>v</c> are the softmax weights of the means and variances, in the
/// order IN, LN, BN (the BN weight 0 without a BN branch, whose statistics are then zeros).
/// </summary>
internal static class SwitchableKernel
{
    /// <summary>
    /// Forward: the mixed mean <paramref name="mu"/>, <paramref name="s"/> = 1 / sqrt(mixed variance + eps), and
    /// the affine <c>y = (x - mh) * a + sh</c> as <see cref="Normalize"/>'s channel forward rounds it
    /// (a = (float)s * gamma, the mean's float rounding in the shift).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Coefficients(int N, int C, double[] w, double[] v, double epsilon,
        double[] ml, double[] vl, double[] mi, double[] vi, double[] mb, double[] vb, float[] gamma, float[] beta,
        double[] mu, double[] s, float[] mh, float[] a, float[] sh)
    {
        var body = new CoefficientsBody(w[0], w[1], w.Length > 2 ? w[2] : 0, v[0], v[1], v.Length > 2 ? v[2] : 0, epsilon, ml, vl, mi, vi, mb, vb, gamma, beta, mu, s, mh, a, sh);
        ChannelLoop.Run(ref body, N, C);
    }

    private readonly struct CoefficientsBody(double w0, double w1, double w2, double v0, double v1, double v2, double epsilon,
        double[] ml, double[] vl, double[] mi, double[] vi, double[] mb, double[] vb, float[] G, float[] Bt,
        double[] mu, double[] s, float[] mh, float[] a, float[] sh) : IChannelBody
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Run<T>(int n, int c, int j) where T : struct, ILanes<T>
        {
            var m = T.Create(w0) * T.Load(ref mi[j]) + T.Create(w1 * ml[n]) + T.Create(w2) * T.Load(ref mb[c]);
            var variance = T.Create(v0) * T.Load(ref vi[j]) + T.Create(v1 * vl[n] + epsilon) + T.Create(v2) * T.Load(ref vb[c]);
            var sj = T.Create(1) / T.Sqrt(variance);
            T.Store(m, ref mu[j]); T.Store(sj, ref s[j]);
            var hi = T.RoundToFloat(m);
            var ac = T.RoundToFloat(sj) * T.Load(ref G[c]);
            T.Store(hi, ref mh[j]); T.Store(ac, ref a[j]);
            T.Store(T.Load(ref Bt[c]) - (m - hi) * ac, ref sh[j]);
        }
    }

    /// <summary>
    /// Backward, from <paramref name="A"/> = sum dy and <paramref name="B"/> = sum dy (x - mh) per (n, c), with
    /// <paramref name="mh"/> the instance means in float: per (n, c) <c>gm = dL/dmu = -s gamma A</c> and
    /// <c>gv = dL/dvar = -s^3 gamma D / 2</c> (D = sum dy (x - mu)); their sums per sample (<paramref name="smL"/>,
    /// <paramref name="svL"/>) and per channel (<paramref name="smB"/>, <paramref name="svB"/>); dgamma, dbeta; and
    /// the dot products <c>gm . stat</c> the logit gradients take, IN's and LN's (BN's are the caller's: its
    /// statistics may be synchronized).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static (double gwm0, double gwv0, double gwm1, double gwv1) StatisticGradients(int N, int C,
        double[] A, double[] B, double[] mu, float[] mh, double[] s, float[] gamma, double[] mi, double[] vi, double[] ml, double[] vl,
        double[] gm, double[] gv, double[] smL, double[] svL, double[] smB, double[] svB, double[] dgamma, double[] dbeta)
    {
        var body = new StatisticGradientsBody(A, B, mu, mh, s, gamma, gm, gv, smB, svB, dgamma, dbeta);
        ChannelLoop.Run(ref body, N, C);
        for (int n = 0; n < N; n++)
        {
            smL[n] = TensorPrimitives.Sum<double>(gm.AsSpan(n * C, C));
            svL[n] = TensorPrimitives.Sum<double>(gv.AsSpan(n * C, C));
        }
        return (TensorPrimitives.Dot<double>(gm, mi), TensorPrimitives.Dot<double>(gv, vi),
            TensorPrimitives.Dot<double>(smL, ml), TensorPrimitives.Dot<double>(svL, vl));
    }

    private readonly struct StatisticGradientsBody(double[] A, double[] B, double[] mu, float[] mh, double[] s, float[] G,
        double[] gm, double[] gv, double[] smB, double[] svB, double[] dgamma, double[] dbeta) : IChannelBody
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Run<T>(int n, int c, int j) where T : struct, ILanes<T>
        {
            var sj = T.Load(ref s[j]); var a = T.Load(ref A[j]); var g = T.Load(ref G[c]);
            var D = T.Load(ref B[j]) - (T.Load(ref mu[j]) - T.Load(ref mh[j])) * a;
            T.Store(T.Load(ref dgamma[c]) + sj * D, ref dgamma[c]);
            T.Store(T.Load(ref dbeta[c]) + a, ref dbeta[c]);
            var m = -(sj * g * a); var v = T.Create(-0.5) * sj * sj * sj * g * D;
            T.Store(m, ref gm[j]); T.Store(v, ref gv[j]);
            T.Store(T.Load(ref smB[c]) + m, ref smB[c]);
            T.Store(T.Load(ref svB[c]) + v, ref svB[c]);
        }
    }

    /// <summary>
    /// The input gradient's coefficients, <c>dx = dy * p + (x - mh) * q + r</c> per (n, c), from the statistics'
    /// gradients: <c>Gvi = v0 gv + v1 svL / C + bv</c>, <c>Gmi = w0 gm + w1 smL / C + 2 v1 svL (mi - ml) / C + bm + bd (mi - mb)</c>,
    /// q = 2 bessel Gvi / HW, r = Gmi / HW + q (mh - mi). <paramref name="batchGradient"/>: the BN branch's terms
    /// (per channel, from <paramref name="smB"/>, <paramref name="svB"/> over <paramref name="count"/> samples).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void InputCoefficients(int N, int C, double HW, double bessel, double[] w, double[] v,
        bool batchGradient, double count, double[] smB, double[] svB, double[]? mb,
        double[] gm, double[] gv, double[] smL, double[] svL, double[] mi, double[] ml, float[] mh, double[] s, float[] gamma,
        float[] p, float[] q, float[] r)
    {
        // Reciprocals hoisted: a division per (n, c) costs more than the rest of the loop.
        double invC = 1.0 / C, invN = 1.0 / count, invHW = 1.0 / HW;
        // Per-channel BN terms: Gvi += bv[c], Gmi += bm[c] + bd[c] (mi - mb[c]).
        var bv = new double[C]; var bm = new double[C]; var bd = new double[C];
        if (batchGradient)
            for (int c = 0; c < C; c++)
            {
                bv[c] = v[2] * svB[c] * invN; bm[c] = w[2] * smB[c] * invN; bd[c] = 2 * v[2] * svB[c] * invN;
            }
        var body = new InputBody(w[0], w[1], v[0], v[1], invC, invHW, 2 * bessel * invHW,
            gm, gv, smL, svL, mi, ml, mh, s, gamma, bv, bm, bd, batchGradient ? mb! : bd, p, q, r);
        ChannelLoop.Run(ref body, N, C);
    }

    private readonly struct InputBody(double w0, double w1, double v0, double v1, double invC, double invHW, double k2,
        double[] gm, double[] gv, double[] smL, double[] svL, double[] mi, double[] ml, float[] mh, double[] s, float[] G,
        double[] bv, double[] bm, double[] bd, double[] bmean, float[] p, float[] q, float[] r) : IChannelBody
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Run<T>(int n, int c, int j) where T : struct, ILanes<T>
        {
            var mij = T.Load(ref mi[j]);
            var gvi = T.Create(v0) * T.Load(ref gv[j]) + T.Create(v1 * svL[n] * invC) + T.Load(ref bv[c]);
            var gmi = T.Create(w0) * T.Load(ref gm[j]) + T.Create(w1 * smL[n] * invC) + T.Create(2 * v1 * svL[n] * invC) * (mij - T.Create(ml[n]))
                + T.Load(ref bm[c]) + T.Load(ref bd[c]) * (mij - T.Load(ref bmean[c]));
            var qq = T.Create(k2) * gvi;
            T.Store(T.Load(ref G[c]) * T.Load(ref s[j]), ref p[j]);
            T.Store(qq, ref q[j]);
            T.Store(gmi * T.Create(invHW) + qq * (T.Load(ref mh[j]) - mij), ref r[j]);
        }
    }
}

using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NormLab.Kernels;

/// <summary>
/// The per-channel bookkeeping of the normalization layers (scale factors, moving averages, the affine's
/// coefficients), four channels at a time in double. Each vector loop does the scalar loop's operations in
/// the same order (no fused multiply-adds), so the results are bit-identical to it. Written as scalar
/// double math (square roots and divisions one at a time), these loops made a BatchNormalization call on a
/// (2, 2, 128) input take 3.6 us, against 1.6 us now; a (32, 20, 128) call takes about 20 us.
/// </summary>
internal static class PerChannel
{
    /// <summary>Scalar math: s[i] = (float)(1 / sqrt(variance[i] + epsilon)).</summary>
    internal static void InvStd(ReadOnlySpan<double> variance, double epsilon, Span<float> s)
    {
        ref double vr = ref MemoryMarshal.GetReference(variance);
        ref float sr = ref MemoryMarshal.GetReference(s);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var eps = Vector256.Create(epsilon);
            for (; i + 8 <= s.Length; i += 8)
            {
                var lo = Vector256<double>.One / Vector256.Sqrt(Vector256.LoadUnsafe(ref vr, (nuint)i) + eps);
                var hi = Vector256<double>.One / Vector256.Sqrt(Vector256.LoadUnsafe(ref vr, (nuint)i + 4) + eps);
                Vector256.Narrow(lo, hi).StoreUnsafe(ref sr, (nuint)i);
            }
        }
        for (; i < s.Length; i++) s[i] = (float)(1.0 / Math.Sqrt(variance[i] + epsilon));
    }

    /// <summary>Keras's moving average, the momentum weighting the old value.
    /// Scalar math: moving[i] = (float)(moving[i] * momentum + values[i] * (1 - momentum)).</summary>
    internal static void MovingAverage(Span<float> moving, ReadOnlySpan<double> values, double momentum)
    {
        ref float mr = ref MemoryMarshal.GetReference(moving);
        ref double vr = ref MemoryMarshal.GetReference(values);
        double keep = momentum, take = 1 - momentum;
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vk = Vector256.Create(keep); var vt = Vector256.Create(take);
            for (; i + 8 <= moving.Length; i += 8)
            {
                var (oldLo, oldHi) = Vector256.Widen(Vector256.LoadUnsafe(ref mr, (nuint)i));
                var lo = oldLo * vk + Vector256.LoadUnsafe(ref vr, (nuint)i) * vt;
                var hi = oldHi * vk + Vector256.LoadUnsafe(ref vr, (nuint)i + 4) * vt;
                Vector256.Narrow(lo, hi).StoreUnsafe(ref mr, (nuint)i);
            }
        }
        for (; i < moving.Length; i++) moving[i] = (float)(moving[i] * keep + values[i] * take);
    }

    /// <summary>
    /// The affine <c>y = (x - mh) * a + sh</c> of channels with their own statistics: the mean split into a float
    /// high part and the rest, which goes into the shift.
    /// Scalar math: hi = (float)mean[i]; ac = invstd[i] * gamma[i]; mh[i] = hi; a[i] = (float)ac;
    /// sh[i] = (float)(beta[i] - (mean[i] - hi) * ac), in double.
    /// </summary>
    internal static void Coefficients(ReadOnlySpan<double> mean, ReadOnlySpan<float> invstd, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> beta, Span<float> mh, Span<float> a, Span<float> sh)
    {
        int n = mh.Length, i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref double mr = ref MemoryMarshal.GetReference(mean);
            for (; i + 8 <= n; i += 8)
            {
                var m0 = Vector256.LoadUnsafe(ref mr, (nuint)i); var m1 = Vector256.LoadUnsafe(ref mr, (nuint)i + 4);
                var hi = Vector256.Narrow(m0, m1);
                var (h0, h1) = Vector256.Widen(hi);
                var (s0, s1) = Vector256.Widen(Vector256.Create(invstd.Slice(i, 8)));
                var (g0, g1) = Vector256.Widen(Vector256.Create(gamma.Slice(i, 8)));
                var (b0, b1) = Vector256.Widen(Vector256.Create(beta.Slice(i, 8)));
                var ac0 = s0 * g0; var ac1 = s1 * g1;
                hi.CopyTo(mh[i..]);
                Vector256.Narrow(ac0, ac1).CopyTo(a[i..]);
                Vector256.Narrow(b0 - (m0 - h0) * ac0, b1 - (m1 - h1) * ac1).CopyTo(sh[i..]);
            }
        }
        for (; i < n; i++)
        {
            float hi = (float)mean[i];
            double ac = invstd[i] * (double)gamma[i];
            mh[i] = hi; a[i] = (float)ac;
            sh[i] = (float)(beta[i] - (mean[i] - hi) * ac);
        }
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NormLab.Kernels;

/// <summary>
/// The one fused normalize-scale-shift kernel and its hand-derived backward, in two flavours that
/// differ only in where gamma and beta live:
/// <list type="bullet">
/// <item><b>Channel</b> (BN, GN, IN): view <c>[B, O, C, I]</c>, statistics per (b, group of c),
/// gamma and beta per channel c. Folded per (b, c) into <c>y = (x - m) * a + b</c>.</item>
/// <item><b>Row</b> (LN, RMS): view <c>[B, O, K, I]</c>, statistics per (b, k), gamma and beta per
/// normalized position (o, i).</item>
/// </list>
/// The mean arrives in double and is split into a float high part <c>mh</c>, subtracted from x
/// first (exact for x near the mean), and a low part folded into the shift. Folding the mean into
/// the shift instead (<c>y = x * a + b</c> with <c>b = beta - mean * a</c>) would lose everything
/// below 0.06 when the mean is 1e6; the extra subtraction is free in a memory-bound loop.
/// </summary>
internal static class Normalize
{
    // ================================================================ channel flavour

    /// <summary>
    /// Forward: <c>y = gamma[c] * (x - mean[b, g]) * invstd[b, g] + beta[c]</c>, with g = c / (C / G).
    /// </summary>
    internal static void ChannelForward(float[] x, float[] y, int B, int O, int C, int I, int G,
        double[] mean, float[] invstd, float[]? gamma, float[]? beta)
    {
        int cg = C / G;
        var mh = new float[B * C]; var a = new float[B * C]; var sh = new float[B * C];
        for (int b = 0; b < B; b++)
            for (int c = 0; c < C; c++)
            {
                int s = b * G + c / cg, j = b * C + c;
                double m = mean[s];
                float hi = (float)m;
                double ac = (double)invstd[s] * (gamma?[c] ?? 1f);
                mh[j] = hi; a[j] = (float)ac;
                sh[j] = (float)((beta?[c] ?? 0f) - (m - hi) * ac);
            }
        Affine(x, y, B, O, C, I, mh, a, sh);
    }

    /// <summary>Scalar math: y[b, o, c, i] = (x[b, o, c, i] - mh[b, c]) * a[b, c] + sh[b, c].</summary>
    internal static void Affine(float[] x, float[] y, int B, int O, int C, int I, float[] mh, float[] a, float[] sh)
    {
        int rows = B * O;
        int chunks = NormParallel.Chunks(rows, (long)C * I);
        NormParallel.For(rows, chunks, (_, r0, r1) =>
        {
            ref float xr = ref MemoryMarshal.GetArrayDataReference(x);
            ref float yr = ref MemoryMarshal.GetArrayDataReference(y);
            for (int r = r0; r < r1; r++)
            {
                int b = r / O;
                long rowOff = (long)r * C * I;
                if (I == 1)
                {
                    ref float mr = ref mh[b * C]; ref float ar = ref a[b * C]; ref float sr = ref sh[b * C];
                    int cv = Vector256.IsHardwareAccelerated ? C - C % 8 : 0;
                    // Scalar math: y = (x - mh[c]) * a[c] + sh[c]
                    for (int c = 0; c < cv; c += 8)
                    {
                        nuint o = (nuint)(rowOff + c);
                        var v = Vector256.LoadUnsafe(ref xr, o) - Vector256.LoadUnsafe(ref mr, (nuint)c);
                        Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref ar, (nuint)c), Vector256.LoadUnsafe(ref sr, (nuint)c))
                            .StoreUnsafe(ref yr, o);
                    }
                    for (int c = cv; c < C; c++)
                    {
                        nint o = (nint)(rowOff + c);
                        Unsafe.Add(ref yr, o) = MathF.FusedMultiplyAdd(Unsafe.Add(ref xr, o) - Unsafe.Add(ref mr, c), Unsafe.Add(ref ar, c), Unsafe.Add(ref sr, c));
                    }
                }
                else
                {
                    for (int c = 0; c < C; c++)
                    {
                        int j = b * C + c;
                        AffineSegment(ref Unsafe.Add(ref xr, (nint)(rowOff + (long)c * I)), ref Unsafe.Add(ref yr, (nint)(rowOff + (long)c * I)), I, mh[j], a[j], sh[j]);
                    }
                }
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AffineSegment(ref float xr, ref float yr, int len, float m, float a, float sh)
    {
        int iv = Vector256.IsHardwareAccelerated ? len - len % 8 : 0;
        var vm = Vector256.Create(m); var va = Vector256.Create(a); var vs = Vector256.Create(sh);
        // Scalar math: y = (x - m) * a + sh
        for (int i = 0; i < iv; i += 8)
            Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xr, (nuint)i) - vm, va, vs).StoreUnsafe(ref yr, (nuint)i);
        for (int i = iv; i < len; i++)
            Unsafe.Add(ref yr, i) = MathF.FusedMultiplyAdd(Unsafe.Add(ref xr, i) - m, a, sh);
    }

    /// <summary>
    /// Backward of <see cref="ChannelForward"/>. With <paramref name="batchStats"/> the statistics are
    /// functions of x (training); otherwise they are constants (inference, moving statistics).
    /// Hand-derived, with xhat = (x - m) * s, g = dy * gamma[c] and n the group size:
    /// <code>
    /// dbeta[c]  = sum dy
    /// dgamma[c] = sum dy * xhat
    /// dx        = s * g - s/n * sum_group(g) - s^3/n * (x - m) * sum_group(g * (x - m))
    /// </code>
    /// Pass 1 reduces sum dy and sum dy * (x - m) per (b, c); pass 2 writes dx = dy*p + (x - m)*q + r.
    /// Any output may be null when it is not needed.
    /// </summary>
    internal static void ChannelBackward(float[] x, float[] dy, int B, int O, int C, int I, int G,
        double[] mean, float[] invstd, float[]? gamma, bool batchStats,
        float[]? dx, float[]? dgamma, float[]? dbeta, CrossReplicaSums? crossReplica = null)
    {
        int cg = C / G;
        var mh = new float[B * C];
        for (int b = 0; b < B; b++)
            for (int c = 0; c < C; c++) mh[b * C + c] = (float)mean[b * G + c / cg];
        var sumDy = new double[B * C]; var sumDyX = new double[B * C];
        ChannelSums(x, dy, B, O, C, I, mh, sumDy, sumDyX);

        if (dgamma != null) Array.Clear(dgamma, 0, C);
        if (dbeta != null) Array.Clear(dbeta, 0, C);
        var dgAcc = new double[C]; var dbAcc = new double[C];
        var sumDyXc = new double[B * C];
        for (int b = 0; b < B; b++)
            for (int c = 0; c < C; c++)
            {
                int j = b * C + c, s = b * G + c / cg;
                double lo = mean[s] - mh[j];
                sumDyXc[j] = sumDyX[j] - lo * sumDy[j]; // sum dy * (x - m)
                dbAcc[c] += sumDy[j];
                dgAcc[c] += invstd[s] * sumDyXc[j];
            }
        if (dgamma != null) for (int c = 0; c < C; c++) dgamma[c] = (float)dgAcc[c];
        if (dbeta != null) for (int c = 0; c < C; c++) dbeta[c] = (float)dbAcc[c];
        if (dx == null) return;

        var p = new float[B * C]; var q = new float[B * C]; var r = new float[B * C];
        double n = (double)O * I * cg;
        // Synchronized BN: dgamma/dbeta above stay local (the gradient allreduce sums them);
        // dx needs the sums and the count over every replica.
        if (crossReplica != null && batchStats) n = crossReplica(sumDy, sumDyXc);
        for (int b = 0; b < B; b++)
            for (int g = 0; g < G; g++)
            {
                int s = b * G + g;
                double sg = 0, sgx = 0;
                for (int c = g * cg; c < (g + 1) * cg; c++)
                {
                    double gm = gamma?[c] ?? 1f;
                    sg += gm * sumDy[b * C + c];
                    sgx += gm * sumDyXc[b * C + c];
                }
                double si = invstd[s];
                for (int c = g * cg; c < (g + 1) * cg; c++)
                {
                    int j = b * C + c;
                    double gm = gamma?[c] ?? 1f;
                    p[j] = (float)(si * gm);
                    if (batchStats)
                    {
                        double qq = -si * si * si / n * sgx;
                        double lo = mean[s] - mh[j];
                        q[j] = (float)qq;
                        r[j] = (float)(-si / n * sg - lo * qq);
                    }
                }
            }
        AffineBackwardApply(x, dy, dx, B, O, C, I, mh, p, q, r);
    }

    /// <summary>Per (b, c): sumDy = sum dy, sumDyX = sum dy * (x - mh[b, c]).</summary>
    private static void ChannelSums(float[] x, float[] dy, int B, int O, int C, int I, float[] mh, double[] sumDy, double[] sumDyX)
    {
        if (I == 1)
        {
            // Rows of C channels: split the rows, keep per-chunk partials, reduce once.
            int rows = B * O;
            int chunks = NormParallel.Chunks(rows, C);
            var pa = new double[chunks][]; var pb = new double[chunks][];
            NormParallel.For(rows, chunks, (t, r0, r1) =>
            {
                var da = new double[B * C]; var db = new double[B * C];
                var fa = new float[C]; var fb = new float[C];
                ref float xr = ref MemoryMarshal.GetArrayDataReference(x);
                ref float gr = ref MemoryMarshal.GetArrayDataReference(dy);
                int cv = Vector256.IsHardwareAccelerated ? C - C % 8 : 0;
                const int blockRows = 64;
                int r = r0;
                while (r < r1)
                {
                    int b = r / O;
                    int re = Math.Min(r1, Math.Min((b + 1) * O, r + blockRows));
                    Array.Clear(fa); Array.Clear(fb);
                    ref float mr = ref mh[b * C]; ref float ar = ref fa[0]; ref float br = ref fb[0];
                    for (; r < re; r++)
                    {
                        nuint off = (nuint)((long)r * C);
                        // Scalar math: a[c] += dy; b[c] += dy * (x - mh[c])
                        for (int c = 0; c < cv; c += 8)
                        {
                            var g = Vector256.LoadUnsafe(ref gr, off + (nuint)c);
                            var d = Vector256.LoadUnsafe(ref xr, off + (nuint)c) - Vector256.LoadUnsafe(ref mr, (nuint)c);
                            (Vector256.LoadUnsafe(ref ar, (nuint)c) + g).StoreUnsafe(ref ar, (nuint)c);
                            Vector256.FusedMultiplyAdd(g, d, Vector256.LoadUnsafe(ref br, (nuint)c)).StoreUnsafe(ref br, (nuint)c);
                        }
                        for (int c = cv; c < C; c++)
                        {
                            float g = Unsafe.Add(ref gr, off + (nuint)c);
                            Unsafe.Add(ref ar, c) += g;
                            Unsafe.Add(ref br, c) += g * (Unsafe.Add(ref xr, off + (nuint)c) - Unsafe.Add(ref mr, c));
                        }
                    }
                    for (int c = 0; c < C; c++) { da[b * C + c] += fa[c]; db[b * C + c] += fb[c]; }
                }
                pa[t] = da; pb[t] = db;
            });
            Array.Clear(sumDy); Array.Clear(sumDyX);
            for (int t = 0; t < chunks; t++)
                for (int j = 0; j < B * C; j++) { sumDy[j] += pa[t][j]; sumDyX[j] += pb[t][j]; }
            return;
        }
        int units = B * C;
        int uChunks = NormParallel.Chunks(units, (long)O * I);
        NormParallel.For(units, uChunks, (_, u0, u1) =>
        {
            for (int u = u0; u < u1; u++)
            {
                int b = u / C, c = u % C;
                double sa = 0, sb = 0;
                for (int o = 0; o < O; o++)
                {
                    long off = (((long)b * O + o) * C + c) * I;
                    SegmentGradSums(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(x), (nint)off),
                        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(dy), (nint)off), I, mh[u], out float a, out float bb);
                    sa += a; sb += bb;
                }
                sumDy[u] = sa; sumDyX[u] = sb;
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SegmentGradSums(ref float xr, ref float gr, int len, float m, out float sumG, out float sumGX)
    {
        int iv = Vector256.IsHardwareAccelerated ? len - len % 8 : 0;
        var vm = Vector256.Create(m);
        var a = Vector256<float>.Zero; var b = Vector256<float>.Zero;
        // Scalar math: sumG += dy; sumGX += dy * (x - m)
        for (int i = 0; i < iv; i += 8)
        {
            var g = Vector256.LoadUnsafe(ref gr, (nuint)i);
            a += g;
            b = Vector256.FusedMultiplyAdd(g, Vector256.LoadUnsafe(ref xr, (nuint)i) - vm, b);
        }
        float sa = Vector256.Sum(a), sb = Vector256.Sum(b);
        for (int i = iv; i < len; i++)
        {
            float g = Unsafe.Add(ref gr, i);
            sa += g; sb += g * (Unsafe.Add(ref xr, i) - m);
        }
        sumG = sa; sumGX = sb;
    }

    /// <summary>Scalar math: dx[b, o, c, i] = dy * p[b, c] + (x - mh[b, c]) * q[b, c] + r[b, c].</summary>
    private static void AffineBackwardApply(float[] x, float[] dy, float[] dx, int B, int O, int C, int I,
        float[] mh, float[] p, float[] q, float[] r)
    {
        int rows = B * O;
        int chunks = NormParallel.Chunks(rows, (long)C * I * 2);
        NormParallel.For(rows, chunks, (_, r0, r1) =>
        {
            ref float xr = ref MemoryMarshal.GetArrayDataReference(x);
            ref float gr = ref MemoryMarshal.GetArrayDataReference(dy);
            ref float dr = ref MemoryMarshal.GetArrayDataReference(dx);
            for (int row = r0; row < r1; row++)
            {
                int b = row / O;
                long rowOff = (long)row * C * I;
                if (I == 1)
                {
                    ref float mr = ref mh[b * C]; ref float pr = ref p[b * C]; ref float qr = ref q[b * C]; ref float rr = ref r[b * C];
                    int cv = Vector256.IsHardwareAccelerated ? C - C % 8 : 0;
                    // Scalar math: dx = dy * p[c] + (x - mh[c]) * q[c] + r[c]
                    for (int c = 0; c < cv; c += 8)
                    {
                        nuint o = (nuint)(rowOff + c);
                        var d = Vector256.LoadUnsafe(ref xr, o) - Vector256.LoadUnsafe(ref mr, (nuint)c);
                        var t = Vector256.FusedMultiplyAdd(d, Vector256.LoadUnsafe(ref qr, (nuint)c), Vector256.LoadUnsafe(ref rr, (nuint)c));
                        Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref gr, o), Vector256.LoadUnsafe(ref pr, (nuint)c), t).StoreUnsafe(ref dr, o);
                    }
                    for (int c = cv; c < C; c++)
                    {
                        nint o = (nint)(rowOff + c);
                        float t = MathF.FusedMultiplyAdd(Unsafe.Add(ref xr, o) - Unsafe.Add(ref mr, c), Unsafe.Add(ref qr, c), Unsafe.Add(ref rr, c));
                        Unsafe.Add(ref dr, o) = MathF.FusedMultiplyAdd(Unsafe.Add(ref gr, o), Unsafe.Add(ref pr, c), t);
                    }
                }
                else
                {
                    for (int c = 0; c < C; c++)
                    {
                        int j = b * C + c;
                        nint off = (nint)(rowOff + (long)c * I);
                        ref float xs = ref Unsafe.Add(ref xr, off); ref float gs = ref Unsafe.Add(ref gr, off); ref float ds = ref Unsafe.Add(ref dr, off);
                        var vm = Vector256.Create(mh[j]); var vp = Vector256.Create(p[j]); var vq = Vector256.Create(q[j]); var vr = Vector256.Create(r[j]);
                        int iv = Vector256.IsHardwareAccelerated ? I - I % 8 : 0;
                        // Scalar math: dx = dy * p + (x - mh) * q + r
                        for (int i = 0; i < iv; i += 8)
                        {
                            var t = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xs, (nuint)i) - vm, vq, vr);
                            Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref gs, (nuint)i), vp, t).StoreUnsafe(ref ds, (nuint)i);
                        }
                        for (int i = iv; i < I; i++)
                            Unsafe.Add(ref ds, i) = MathF.FusedMultiplyAdd(Unsafe.Add(ref gs, i), p[j],
                                MathF.FusedMultiplyAdd(Unsafe.Add(ref xs, i) - mh[j], q[j], r[j]));
                    }
                }
            }
        });
    }

    // ================================================================ row flavour

    /// <summary>
    /// Forward of the row flavour on the view [B, O, K, I], statistics per (b, k), gamma/beta per (o, i):
    /// <c>y = (x - m) * s * gamma + beta</c> when <paramref name="center"/>, else <c>y = x * s * gamma (+ beta)</c>
    /// (RMS normalization and LayerNormalization's rms_scaling).
    /// </summary>
    internal static void RowForward(float[] x, float[] y, int B, int O, int K, int I,
        double[] mean, float[] invstd, float[]? gamma, float[]? beta, bool center)
    {
        int chunks = NormParallel.Chunks(B, (long)O * K * I);
        int L = O * I;
        NormParallel.For(B, chunks, (_, b0, b1) =>
        {
            var ones = gamma ?? Filled(L, 1f); var zeros = beta ?? new float[L];
            ref float xr = ref MemoryMarshal.GetArrayDataReference(x);
            ref float yr = ref MemoryMarshal.GetArrayDataReference(y);
            for (int b = b0; b < b1; b++)
                for (int k = 0; k < K; k++)
                {
                    int u = b * K + k;
                    float s = invstd[u];
                    float mhi = center ? (float)mean[u] : 0f;
                    float shift = center ? (float)(-(mean[u] - mhi) * s) : 0f;
                    for (int o = 0; o < O; o++)
                    {
                        nint off = (nint)((((long)b * O + o) * K + k) * I);
                        RowSegment(ref Unsafe.Add(ref xr, off), ref Unsafe.Add(ref yr, off), ref ones[o * I], ref zeros[o * I], I, mhi, s, shift);
                    }
                }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowSegment(ref float xr, ref float yr, ref float gr, ref float br, int len, float m, float s, float shift)
    {
        int iv = Vector256.IsHardwareAccelerated ? len - len % 8 : 0;
        var vm = Vector256.Create(m); var vs = Vector256.Create(s); var vsh = Vector256.Create(shift);
        // Scalar math: y = ((x - m) * s + shift) * gamma[i] + beta[i]
        for (int i = 0; i < iv; i += 8)
        {
            var t = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xr, (nuint)i) - vm, vs, vsh);
            Vector256.FusedMultiplyAdd(t, Vector256.LoadUnsafe(ref gr, (nuint)i), Vector256.LoadUnsafe(ref br, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
        }
        for (int i = iv; i < len; i++)
        {
            float t = MathF.FusedMultiplyAdd(Unsafe.Add(ref xr, i) - m, s, shift);
            Unsafe.Add(ref yr, i) = MathF.FusedMultiplyAdd(t, Unsafe.Add(ref gr, i), Unsafe.Add(ref br, i));
        }
    }

    /// <summary>
    /// Backward of <see cref="RowForward"/>. With g = dy * gamma, n = O * I, xc = x - m:
    /// <code>
    /// center:     dx = s*g - s/n * sum(g) - s^3/n * xc * sum(g * xc)       (layer norm)
    /// not center: dx = s*g - s^3/n * xc * sum(g * x)                        (rms: m = 0; rms_scaling: m = mean)
    /// dgamma = sum over (b, k) of dy * xhat;  dbeta = sum of dy
    /// </code>
    /// </summary>
    internal static void RowBackward(float[] x, float[] dy, int B, int O, int K, int I,
        double[] mean, float[] invstd, float[]? gamma, bool center,
        float[]? dx, float[]? dgamma, float[]? dbeta)
    {
        int L = O * I;
        int chunks = NormParallel.Chunks(B, (long)O * K * I * 2);
        var pg = new float[chunks][]; var pb = new float[chunks][];
        double n = L;
        NormParallel.For(B, chunks, (t, b0, b1) =>
        {
            var gam = gamma ?? Filled(L, 1f);
            var dg = new float[L]; var db = new float[L];
            ref float xr = ref MemoryMarshal.GetArrayDataReference(x);
            ref float gr = ref MemoryMarshal.GetArrayDataReference(dy);
            for (int b = b0; b < b1; b++)
                for (int k = 0; k < K; k++)
                {
                    int u = b * K + k;
                    float s = invstd[u];
                    float mhi = (float)mean[u];
                    double lo = mean[u] - mhi;
                    // Pass 1 (per segment, in cache for pass 2): sums for dx and partials for dgamma/dbeta.
                    double sg = 0, sgx = 0;
                    for (int o = 0; o < O; o++)
                    {
                        nint off = (nint)((((long)b * O + o) * K + k) * I);
                        RowGradSums(ref Unsafe.Add(ref xr, off), ref Unsafe.Add(ref gr, off), ref gam[o * I], ref dg[o * I], ref db[o * I],
                            I, center ? mhi : 0f, center ? (float)(lo * s) : 0f, s, out float a, out float bx);
                        sg += a; sgx += bx;
                    }
                    if (dx == null) continue;
                    double sumGX = sgx - (center ? lo * sg : 0);  // sgx was taken about mhi (or 0)
                    double q = -(double)s * s * s / n * sumGX;
                    float rr = (float)(-(center ? s / n * sg : 0) - lo * q);
                    for (int o = 0; o < O; o++)
                    {
                        nint off = (nint)((((long)b * O + o) * K + k) * I);
                        RowDx(ref Unsafe.Add(ref xr, off), ref Unsafe.Add(ref gr, off), ref gam[o * I],
                            ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(dx), off), I, mhi, s, (float)q, rr);
                    }
                }
            pg[t] = dg; pb[t] = db;
        });
        if (dgamma != null) { Array.Clear(dgamma, 0, L); for (int t = 0; t < chunks; t++) for (int j = 0; j < L; j++) dgamma[j] += pg[t][j]; }
        if (dbeta != null) { Array.Clear(dbeta, 0, L); for (int t = 0; t < chunks; t++) for (int j = 0; j < L; j++) dbeta[j] += pb[t][j]; }
    }

    /// <summary>One segment of pass 1: sum g, sum g * (x - m), dgamma += dy * xhat, dbeta += dy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowGradSums(ref float xr, ref float gr, ref float gamr, ref float dgr, ref float dbr,
        int len, float m, float loS, float s, out float sumG, out float sumGX)
    {
        int iv = Vector256.IsHardwareAccelerated ? len - len % 8 : 0;
        var vm = Vector256.Create(m); var vs = Vector256.Create(s); var vlo = Vector256.Create(loS);
        var a = Vector256<float>.Zero; var bx = Vector256<float>.Zero;
        // Scalar math: g = dy * gamma; sumG += g; sumGX += g * (x - m);
        //              xhat = (x - m) * s - lo * s; dgamma += dy * xhat; dbeta += dy
        for (int i = 0; i < iv; i += 8)
        {
            var dy = Vector256.LoadUnsafe(ref gr, (nuint)i);
            var g = dy * Vector256.LoadUnsafe(ref gamr, (nuint)i);
            var d = Vector256.LoadUnsafe(ref xr, (nuint)i) - vm;
            a += g;
            bx = Vector256.FusedMultiplyAdd(g, d, bx);
            var xhat = Vector256.FusedMultiplyAdd(d, vs, -vlo);
            Vector256.FusedMultiplyAdd(dy, xhat, Vector256.LoadUnsafe(ref dgr, (nuint)i)).StoreUnsafe(ref dgr, (nuint)i);
            (Vector256.LoadUnsafe(ref dbr, (nuint)i) + dy).StoreUnsafe(ref dbr, (nuint)i);
        }
        float sa = Vector256.Sum(a), sb = Vector256.Sum(bx);
        for (int i = iv; i < len; i++)
        {
            float dy = Unsafe.Add(ref gr, i);
            float g = dy * Unsafe.Add(ref gamr, i);
            float d = Unsafe.Add(ref xr, i) - m;
            sa += g; sb += g * d;
            Unsafe.Add(ref dgr, i) += dy * (d * s - loS);
            Unsafe.Add(ref dbr, i) += dy;
        }
        sumG = sa; sumGX = sb;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowDx(ref float xr, ref float gr, ref float gamr, ref float dxr, int len, float m, float s, float q, float r)
    {
        int iv = Vector256.IsHardwareAccelerated ? len - len % 8 : 0;
        var vm = Vector256.Create(m); var vs = Vector256.Create(s); var vq = Vector256.Create(q); var vr = Vector256.Create(r);
        // Scalar math: dx = dy * gamma * s + (x - m) * q + r
        for (int i = 0; i < iv; i += 8)
        {
            var t = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xr, (nuint)i) - vm, vq, vr);
            var gs = Vector256.LoadUnsafe(ref gr, (nuint)i) * Vector256.LoadUnsafe(ref gamr, (nuint)i);
            Vector256.FusedMultiplyAdd(gs, vs, t).StoreUnsafe(ref dxr, (nuint)i);
        }
        for (int i = iv; i < len; i++)
        {
            float t = MathF.FusedMultiplyAdd(Unsafe.Add(ref xr, i) - m, q, r);
            Unsafe.Add(ref dxr, i) = MathF.FusedMultiplyAdd(Unsafe.Add(ref gr, i) * Unsafe.Add(ref gamr, i), s, t);
        }
    }

    private static float[] Filled(int n, float v) { var a = new float[n]; Array.Fill(a, v); return a; }
}

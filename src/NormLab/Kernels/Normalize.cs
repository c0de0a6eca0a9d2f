using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
        double[] mean, float[] invstd, float[]? gamma, float[]? beta, bool outputInCache = false)
    {
        int cg = C / G;
        var mh = new float[B * C]; var a = new float[B * C]; var sh = new float[B * C];
        var g = gamma ?? Filled(C, 1f); var bt = beta ?? new float[C];
        // Statistics per (b, c): those of c's group (index b * G + c / cg = (b * C + c) / cg).
        var m = mean; var s = invstd;
        if (cg > 1)
        {
            m = new double[B * C]; s = new float[B * C];
            for (int j = 0; j < B * C; j++) { m[j] = mean[j / cg]; s[j] = invstd[j / cg]; }
        }
        for (int b = 0; b < B; b++)
            PerChannel.Coefficients(m.AsSpan(b * C, C), s.AsSpan(b * C, C), g, bt, mh.AsSpan(b * C, C), a.AsSpan(b * C, C), sh.AsSpan(b * C, C));
        Affine(x, y, B, O, C, I, mh, a, sh, outputInCache);
    }

    /// <summary>Scalar math: y[b, o, c, i] = (x[b, o, c, i] - mh[b, c]) * a[b, c] + sh[b, c].</summary>
    internal static void Affine(float[] x, float[] y, int B, int O, int C, int I, float[] mh, float[] a, float[] sh,
        bool outputInCache = false)
    {
        int rows = B * O;
        bool stream = StreamingStores.Pays(y.Length, outputInCache);
        int chunks = NormParallel.Chunks(rows, (long)C * I);
        NormParallel.For(rows, chunks, (_, r0, r1) =>
        {
            ref float xr = ref MemoryMarshal.GetArrayDataReference(x);
            ref float yr = ref MemoryMarshal.GetArrayDataReference(y);
            if (I == 1)
            {
                for (int r = r0; r < r1;)
                {
                    int b = r / O, re = Math.Min(r1, (b + 1) * O);
                    AffineRows(ref xr, ref yr, (long)r * C, re - r, C, ref mh[b * C], ref a[b * C], ref sh[b * C], stream);
                    r = re;
                }
                if (stream) StreamingStores.Fence();
                return;
            }
            for (int r = r0; r < r1; r++)
            {
                int b = r / O;
                long rowOff = (long)r * C * I;
                for (int c = 0; c < C; c++)
                {
                    int j = b * C + c;
                    AffineSegment(ref Unsafe.Add(ref xr, (nint)(rowOff + (long)c * I)), ref Unsafe.Add(ref yr, (nint)(rowOff + (long)c * I)), I, mh[j], a[j], sh[j]);
                }
            }
        });
    }

    /// <summary>Rows [off, off + rows * C) of a channels-last block with per-channel coefficients. The rows
    /// go in blocks of 16; within a block, 32 channels at a time with their coefficients held in
    /// registers, so the inner loop is one load, one subtract, one FMA and one store per vector.</summary>
    private static void AffineRows(ref float xr, ref float yr, long off, int rows, int C, ref float mr, ref float ar, ref float sr, bool stream)
    {
        if (stream && StreamingStores.Supported)
        {
            StreamingStores.AffineRows(ref xr, ref yr, off, rows, C, ref mr, ref ar, ref sr);
            return;
        }
        const int blockRows = 16;
        int cv = Vector256.IsHardwareAccelerated ? C - C % 8 : 0;
        for (int rb = 0; rb < rows; rb += blockRows)
        {
            int nr = Math.Min(blockRows, rows - rb);
            long boff = off + (long)rb * C;
            int c = 0;
            // Scalar math: y = (x - mh[c]) * a[c] + sh[c]
            for (; c + 32 <= cv; c += 32)
            {
                nuint k = (nuint)c;
                var m0 = Vector256.LoadUnsafe(ref mr, k); var m1 = Vector256.LoadUnsafe(ref mr, k + 8);
                var m2 = Vector256.LoadUnsafe(ref mr, k + 16); var m3 = Vector256.LoadUnsafe(ref mr, k + 24);
                var a0 = Vector256.LoadUnsafe(ref ar, k); var a1 = Vector256.LoadUnsafe(ref ar, k + 8);
                var a2 = Vector256.LoadUnsafe(ref ar, k + 16); var a3 = Vector256.LoadUnsafe(ref ar, k + 24);
                var s0 = Vector256.LoadUnsafe(ref sr, k); var s1 = Vector256.LoadUnsafe(ref sr, k + 8);
                var s2 = Vector256.LoadUnsafe(ref sr, k + 16); var s3 = Vector256.LoadUnsafe(ref sr, k + 24);
                nuint o = (nuint)(boff + c);
                for (int r = 0; r < nr; r++, o += (nuint)C)
                {
                    Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xr, o) - m0, a0, s0).StoreUnsafe(ref yr, o);
                    Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xr, o + 8) - m1, a1, s1).StoreUnsafe(ref yr, o + 8);
                    Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xr, o + 16) - m2, a2, s2).StoreUnsafe(ref yr, o + 16);
                    Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xr, o + 24) - m3, a3, s3).StoreUnsafe(ref yr, o + 24);
                }
            }
            for (; c < cv; c += 8)
            {
                var m0 = Vector256.LoadUnsafe(ref mr, (nuint)c); var a0 = Vector256.LoadUnsafe(ref ar, (nuint)c); var s0 = Vector256.LoadUnsafe(ref sr, (nuint)c);
                nuint o = (nuint)(boff + c);
                for (int r = 0; r < nr; r++, o += (nuint)C)
                    Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xr, o) - m0, a0, s0).StoreUnsafe(ref yr, o);
            }
            for (; c < C; c++)
            {
                float m = Unsafe.Add(ref mr, c), a = Unsafe.Add(ref ar, c), sh = Unsafe.Add(ref sr, c);
                nint o = (nint)(boff + c);
                for (int r = 0; r < nr; r++, o += C)
                    Unsafe.Add(ref yr, o) = MathF.FusedMultiplyAdd(Unsafe.Add(ref xr, o) - m, a, sh);
            }
        }
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
                const int blockRows = 64;
                int r = r0;
                while (r < r1)
                {
                    int b = r / O;
                    int re = Math.Min(r1, Math.Min((b + 1) * O, r + blockRows));
                    RowSums(ref xr, ref gr, (long)r * C, re - r, C, ref mh[b * C], fa, fb);
                    r = re;
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

    /// <summary>Per channel over rows [off, off + rows * C): fa[c] = sum dy, fb[c] = sum dy * (x - mh[c]) (float,
    /// for blocks of a few dozen rows; the caller merges blocks in double). 32 channels at a time with
    /// their accumulators in registers, rows in order within each channel.</summary>
    internal static void RowSums(ref float xr, ref float gr, long off, int rows, int C, ref float mr, float[] fa, float[] fb)
    {
        ref float ar = ref fa[0]; ref float br = ref fb[0];
        int cv = Vector256.IsHardwareAccelerated ? C - C % 8 : 0;
        int c = 0;
        // Scalar math: a[c] += dy; b[c] += dy * (x - mh[c])
        for (; c + 32 <= cv; c += 32)
        {
            nuint k = (nuint)c;
            var m0 = Vector256.LoadUnsafe(ref mr, k); var m1 = Vector256.LoadUnsafe(ref mr, k + 8);
            var m2 = Vector256.LoadUnsafe(ref mr, k + 16); var m3 = Vector256.LoadUnsafe(ref mr, k + 24);
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
            nuint o = (nuint)(off + c);
            for (int r = 0; r < rows; r++, o += (nuint)C)
            {
                var g0 = Vector256.LoadUnsafe(ref gr, o); var g1 = Vector256.LoadUnsafe(ref gr, o + 8);
                var g2 = Vector256.LoadUnsafe(ref gr, o + 16); var g3 = Vector256.LoadUnsafe(ref gr, o + 24);
                a0 += g0; a1 += g1; a2 += g2; a3 += g3;
                b0 = Vector256.FusedMultiplyAdd(g0, Vector256.LoadUnsafe(ref xr, o) - m0, b0);
                b1 = Vector256.FusedMultiplyAdd(g1, Vector256.LoadUnsafe(ref xr, o + 8) - m1, b1);
                b2 = Vector256.FusedMultiplyAdd(g2, Vector256.LoadUnsafe(ref xr, o + 16) - m2, b2);
                b3 = Vector256.FusedMultiplyAdd(g3, Vector256.LoadUnsafe(ref xr, o + 24) - m3, b3);
            }
            a0.StoreUnsafe(ref ar, k); a1.StoreUnsafe(ref ar, k + 8); a2.StoreUnsafe(ref ar, k + 16); a3.StoreUnsafe(ref ar, k + 24);
            b0.StoreUnsafe(ref br, k); b1.StoreUnsafe(ref br, k + 8); b2.StoreUnsafe(ref br, k + 16); b3.StoreUnsafe(ref br, k + 24);
        }
        for (; c < cv; c += 8)
        {
            var m0 = Vector256.LoadUnsafe(ref mr, (nuint)c);
            Vector256<float> a0 = default, b0 = default;
            nuint o = (nuint)(off + c);
            for (int r = 0; r < rows; r++, o += (nuint)C)
            {
                var g0 = Vector256.LoadUnsafe(ref gr, o);
                a0 += g0;
                b0 = Vector256.FusedMultiplyAdd(g0, Vector256.LoadUnsafe(ref xr, o) - m0, b0);
            }
            a0.StoreUnsafe(ref ar, (nuint)c); b0.StoreUnsafe(ref br, (nuint)c);
        }
        for (; c < C; c++)
        {
            float m = Unsafe.Add(ref mr, c), sa = 0, sb = 0;
            nint o = (nint)(off + c);
            for (int r = 0; r < rows; r++, o += C)
            {
                float g = Unsafe.Add(ref gr, o);
                sa += g; sb += g * (Unsafe.Add(ref xr, o) - m);
            }
            Unsafe.Add(ref ar, c) = sa; Unsafe.Add(ref br, c) = sb;
        }
    }

    /// <summary>sum dy and sum dy * (x - m) over one contiguous segment (shared by the per-sample kernels).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void SegmentGradSums(ref float xr, ref float gr, int len, float m, out float sumG, out float sumGX)
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

    /// <summary>Rows [off, off + rows * C) of a channels-last block: dx = dy * p[c] + (x - mh[c]) * q[c] + r[c];
    /// 16-row blocks, 16 channels at a time with their coefficients in registers.</summary>
    internal static void BackwardRows(ref float xr, ref float gr, ref float dr, long off, int rows, int C,
        ref float mr, ref float pr, ref float qr, ref float rr)
    {
        const int blockRows = 16;
        int cv = Vector256.IsHardwareAccelerated ? C - C % 8 : 0;
        for (int rb = 0; rb < rows; rb += blockRows)
        {
            int nr = Math.Min(blockRows, rows - rb);
            long boff = off + (long)rb * C;
            int c = 0;
            // Scalar math: dx = dy * p[c] + (x - mh[c]) * q[c] + r[c]
            for (; c + 16 <= cv; c += 16)
            {
                nuint k = (nuint)c;
                var m0 = Vector256.LoadUnsafe(ref mr, k); var m1 = Vector256.LoadUnsafe(ref mr, k + 8);
                var p0 = Vector256.LoadUnsafe(ref pr, k); var p1 = Vector256.LoadUnsafe(ref pr, k + 8);
                var q0 = Vector256.LoadUnsafe(ref qr, k); var q1 = Vector256.LoadUnsafe(ref qr, k + 8);
                var r0 = Vector256.LoadUnsafe(ref rr, k); var r1 = Vector256.LoadUnsafe(ref rr, k + 8);
                nuint o = (nuint)(boff + c);
                for (int r = 0; r < nr; r++, o += (nuint)C)
                {
                    var t0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xr, o) - m0, q0, r0);
                    var t1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xr, o + 8) - m1, q1, r1);
                    Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref gr, o), p0, t0).StoreUnsafe(ref dr, o);
                    Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref gr, o + 8), p1, t1).StoreUnsafe(ref dr, o + 8);
                }
            }
            for (; c < cv; c += 8)
            {
                nuint k = (nuint)c;
                var m0 = Vector256.LoadUnsafe(ref mr, k); var p0 = Vector256.LoadUnsafe(ref pr, k);
                var q0 = Vector256.LoadUnsafe(ref qr, k); var r0 = Vector256.LoadUnsafe(ref rr, k);
                nuint o = (nuint)(boff + c);
                for (int r = 0; r < nr; r++, o += (nuint)C)
                {
                    var t0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xr, o) - m0, q0, r0);
                    Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref gr, o), p0, t0).StoreUnsafe(ref dr, o);
                }
            }
            for (; c < C; c++)
            {
                float m = Unsafe.Add(ref mr, c), pc = Unsafe.Add(ref pr, c), qc = Unsafe.Add(ref qr, c), rc = Unsafe.Add(ref rr, c);
                nint o = (nint)(boff + c);
                for (int r = 0; r < nr; r++, o += C)
                    Unsafe.Add(ref dr, o) = MathF.FusedMultiplyAdd(Unsafe.Add(ref gr, o), pc, MathF.FusedMultiplyAdd(Unsafe.Add(ref xr, o) - m, qc, rc));
            }
        }
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
            if (I == 1)
            {
                for (int row = r0; row < r1;)
                {
                    int b = row / O, re = Math.Min(r1, (b + 1) * O);
                    BackwardRows(ref xr, ref gr, ref dr, (long)row * C, re - row, C, ref mh[b * C], ref p[b * C], ref q[b * C], ref r[b * C]);
                    row = re;
                }
                return;
            }
            for (int row = r0; row < r1; row++)
            {
                int b = row / O;
                long rowOff = (long)row * C * I;
                if (I == 1)
                {
                    BackwardRows(ref xr, ref gr, ref dr, rowOff, 1, C, ref mh[b * C], ref p[b * C], ref q[b * C], ref r[b * C]);
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

    // ================================================================ channel flavour, per-sample statistics fused

    /// <summary>
    /// GN and IN on channels-last data (view <c>[B, O, C, 1]</c>, G groups): statistics and normalization
    /// of one sample at a time, so that the second read of the sample's block comes from cache. One
    /// parallel region over samples. Writes y, and mean / invstd per (b, g) for the backward:
    /// <code>
    /// per group: shift = mean of its values in the first 4 rows (a cheap estimate of the mean)
    /// one pass over sample b: per group, S1 = sum (x - shift), S2 = sum (x - shift)² (Moments.ShiftedColumnSums)
    /// per group: mean = shift + S1/n; invstd = 1 / sqrt((S2 - S1²/n) / n + epsilon)
    /// y = (x - mh[c]) * a[c] + sh[c],  a = invstd * gamma,  sh = beta - (mean - mh) * a
    /// </code>
    /// </summary>
    internal static void ChannelForwardPerSample(float[] x, float[] y, int B, int O, int C, int G, double epsilon,
        float[]? gamma, float[]? beta, double[] mean, float[] invstd, bool outputInCache = false)
    {
        var g = gamma ?? Filled(C, 1f); var bt = beta ?? new float[C];
        bool stream = StreamingStores.Pays(y.Length, outputInCache);
        NormParallel.For(B, NormParallel.Chunks(B, (long)O * C * 2),
            (_, b0, b1) => ForwardSamples(x, y, b0, b1, O, C, G, epsilon, g, bt, mean, invstd, stream));
        if (OverflowFallback.RepairInvStd(x, B, O, G, C / G, epsilon, rootMeanSquare: false, mean, invstd))
            ChannelForward(x, y, B, O, C, 1, G, mean, invstd, gamma, beta, outputInCache);
    }

    private static void ForwardSamples(float[] x, float[] y, int b0, int b1, int O, int C, int G, double epsilon,
        float[] gamma, float[] beta, double[] mean, float[] invstd, bool stream)
    {
        int cg = C / G;
        // Scratch from the pool (the only allocation of a call is its output).
        var s1 = ArrayPool<double>.Shared.Rent(C); var s2 = ArrayPool<double>.Shared.Rent(C);
        var shift = ArrayPool<float>.Shared.Rent(C); var scratch = ArrayPool<float>.Shared.Rent(2 * C);
        var coef = ArrayPool<float>.Shared.Rent(3 * C);
        // Per channel, the affine y = (x - mh) * a + sh.
        var mh = coef.AsSpan(0, C); var a = coef.AsSpan(C, C); var sh = coef.AsSpan(2 * C, C);
        ref float xr = ref MemoryMarshal.GetArrayDataReference(x);
        ref float yr = ref MemoryMarshal.GetArrayDataReference(y);
        double invCount = 1.0 / ((double)O * cg);
        // The per-channel bookkeeping is vectorized (group sums and the affine eight channels at a time):
        // with short samples, (32, 20, 128), it took as long as the two data passes when written as
        // scalar loops.
        for (int b = b0; b < b1; b++)
        {
            long off = (long)b * O * C;
            // Shift of each group: the mean of its values in the first rows, a cheap estimate of the mean.
            Moments.ColumnShifts(ref Unsafe.Add(ref xr, (nint)off), O, C, shift);
            if (cg > 1) GroupShifts(shift, C, cg);
            Moments.ShiftedColumnSums(x, off, O, C, shift, s1, s2, scratch, cg);
            int done = cg == 1 ? InstanceStatistics(s1, s2, shift, C, invCount, epsilon, mean, invstd, b * G, gamma, beta, mh, a, sh) : 0;
            for (int g = done, c0 = done * cg; g < G; g++, c0 += cg)
            {
                // All channels of a group share the shift: mean = shift + S1 / n, M2 = S2 - S1² / n.
                double t1 = s1[g], t2 = s2[g];
                double gm = shift[c0] + t1 * invCount;
                double variance = (t2 - t1 * t1 * invCount) * invCount;
                if (!double.IsFinite(t1) || !double.IsFinite(t2)) { gm = double.NaN; variance = double.NaN; }
                else if (variance < 0) variance = 0;
                float gi = (float)(1.0 / Math.Sqrt(variance + epsilon)), hi = (float)gm;
                mean[b * G + g] = gm; invstd[b * G + g] = gi;
                GroupCoefficients(c0, cg, hi, gi, (float)(hi - gm), gamma, beta, mh, a, sh);
            }
            AffineRows(ref xr, ref yr, off, O, C, ref mh[0], ref a[0], ref sh[0], stream);
        }
        if (stream) StreamingStores.Fence();
        ArrayPool<double>.Shared.Return(s1); ArrayPool<double>.Shared.Return(s2);
        ArrayPool<float>.Shared.Return(shift); ArrayPool<float>.Shared.Return(scratch); ArrayPool<float>.Shared.Return(coef);
    }

    /// <summary>Scalar math: shift[c] = mean of shift over c's group of <paramref name="cg"/> channels (0 when
    /// not finite), so that every channel of a group is shifted alike.</summary>
    private static void GroupShifts(float[] shift, int C, int cg)
    {
        for (int c0 = 0; c0 < C; c0 += cg)
        {
            float est = Moments.RunSum(ref shift[c0], cg) / cg;
            shift.AsSpan(c0, cg).Fill(float.IsFinite(est) ? est : 0f);
        }
    }

    /// <summary>The affine of the channels [c0, c0 + cg) of one group, eight at a time.
    /// Scalar math: mh[c] = hi; a[c] = gi * gamma[c]; sh[c] = a[c] * lo + beta[c]
    /// (lo = hi - mean, the part of the mean that the float hi misses).</summary>
    private static void GroupCoefficients(int c0, int cg, float hi, float gi, float lo, float[] gamma, float[] beta,
        Span<float> mh, Span<float> a, Span<float> sh)
    {
        // gamma, beta, mh, a and sh all hold the sample's C channels.
        int c = c0, end = c0 + cg;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float gr = ref MemoryMarshal.GetArrayDataReference(gamma); ref float br = ref MemoryMarshal.GetArrayDataReference(beta);
            ref float mr = ref MemoryMarshal.GetReference(mh); ref float ar = ref MemoryMarshal.GetReference(a); ref float sr = ref MemoryMarshal.GetReference(sh);
            var vhi = Vector256.Create(hi); var vgi = Vector256.Create(gi); var vlo = Vector256.Create(lo);
            for (; c + 8 <= end; c += 8)
            {
                nuint k = (nuint)c;
                var ac = vgi * Vector256.LoadUnsafe(ref gr, k);
                vhi.StoreUnsafe(ref mr, k); ac.StoreUnsafe(ref ar, k);
                (ac * vlo + Vector256.LoadUnsafe(ref br, k)).StoreUnsafe(ref sr, k);
            }
        }
        for (; c < end; c++)
        {
            float ac = gi * gamma[c];
            mh[c] = hi; a[c] = ac; sh[c] = ac * lo + beta[c];
        }
    }

    /// <summary>
    /// The per-group statistics and affine of the loop in <see cref="ForwardSamples"/> when every group is
    /// one channel (instance norm), eight channels at a time in float32, as Keras computes them; with 128
    /// channels per sample these square roots and divisions took as long as the data passes in double.
    /// The mean stays split as shift + lo (lo = S1 / n is small when the shift is near the mean), so a mean
    /// of 1e6 keeps its fraction, and the affine subtracts the shift: y = (x - shift) * a + (beta - lo * a).
    /// Stops at the first eight whose sums are not all finite and returns how many channels it did; the
    /// scalar loop does the rest.
    /// </summary>
    private static int InstanceStatistics(double[] s1, double[] s2, float[] shift, int C, double invCount, double epsilon,
        double[] mean, float[] invstd, int statOff, float[] gamma, float[] beta, Span<float> mh, Span<float> a, Span<float> sh)
    {
        if (!Vector256.IsHardwareAccelerated) return 0;
        ref double r1 = ref MemoryMarshal.GetArrayDataReference(s1); ref double r2 = ref MemoryMarshal.GetArrayDataReference(s2);
        ref double rm = ref mean[statOff]; ref float ri = ref invstd[statOff];
        ref float rs = ref MemoryMarshal.GetArrayDataReference(shift);
        ref float rg = ref MemoryMarshal.GetArrayDataReference(gamma); ref float rb = ref MemoryMarshal.GetArrayDataReference(beta);
        ref float rmh = ref MemoryMarshal.GetReference(mh); ref float ra = ref MemoryMarshal.GetReference(a); ref float rsh = ref MemoryMarshal.GetReference(sh);
        var n = Vector256.Create((float)invCount); var eps = Vector256.Create((float)epsilon);
        int c = 0;
        // Scalar math: lo = S1 / n; variance = max(0, (S2 - S1 * lo) / n); invstd = 1 / sqrt(variance + eps);
        // mean = shift + lo (in double); mh = shift; a = invstd * gamma; sh = beta - lo * a
        for (; c + 8 <= C; c += 8)
        {
            nuint k = (nuint)c;
            var t1 = Vector256.Narrow(Vector256.LoadUnsafe(ref r1, k), Vector256.LoadUnsafe(ref r1, k + 4));
            var t2 = Vector256.Narrow(Vector256.LoadUnsafe(ref r2, k), Vector256.LoadUnsafe(ref r2, k + 4));
            // t - t is 0 for finite t and NaN otherwise (a double past float's range narrows to infinity)
            if (!Vector256.EqualsAll((t1 - t1) + (t2 - t2), Vector256<float>.Zero)) break;
            var lo = t1 * n;
            var gi = Vector256<float>.One / Vector256.Sqrt(Vector256.Max((t2 - t1 * lo) * n, Vector256<float>.Zero) + eps);
            var hi = Vector256.LoadUnsafe(ref rs, k);
            (Vector256.WidenLower(hi) + Vector256.WidenLower(lo)).StoreUnsafe(ref rm, k);
            (Vector256.WidenUpper(hi) + Vector256.WidenUpper(lo)).StoreUnsafe(ref rm, k + 4);
            gi.StoreUnsafe(ref ri, k);
            hi.StoreUnsafe(ref rmh, k);
            var ac = gi * Vector256.LoadUnsafe(ref rg, k);
            ac.StoreUnsafe(ref ra, k);
            (Vector256.LoadUnsafe(ref rb, k) - lo * ac).StoreUnsafe(ref rsh, k);
        }
        return c;
    }

    /// <summary>
    /// Backward of <see cref="ChannelForwardPerSample"/> (statistics of the batch, as in training), one
    /// sample at a time so that the dx pass reads x and dy from cache; the formulas of
    /// <see cref="ChannelBackward"/>. Per-sample sums are kept and reduced into dgamma / dbeta once,
    /// in sample order. Any output may be null.
    /// </summary>
    internal static void ChannelBackwardPerSample(float[] x, float[] dy, int B, int O, int C, int G,
        double[] mean, float[] invstd, float[]? gamma, float[]? dx, float[]? dgamma, float[]? dbeta)
    {
        int cg = C / G;
        var gam = gamma ?? Filled(C, 1f);
        var sumDy = new double[B * C]; var sumDyXc = new double[B * C];
        NormParallel.For(B, NormParallel.Chunks(B, (long)O * C * 3),
            (_, b0, b1) => BackwardSamples(x, dy, dx, b0, b1, O, C, G, mean, invstd, gam, sumDy, sumDyXc));
        if (dgamma == null && dbeta == null) return;
        var dgAcc = new double[C]; var dbAcc = new double[C];
        for (int b = 0; b < B; b++)
            for (int g = 0; g < G; g++)
            {
                double si = invstd[b * G + g];
                for (int c = g * cg, j = b * C + c; c < (g + 1) * cg; c++, j++)
                {
                    dbAcc[c] += sumDy[j];
                    dgAcc[c] += si * sumDyXc[j];
                }
            }
        if (dgamma != null) for (int c = 0; c < C; c++) dgamma[c] = (float)dgAcc[c];
        if (dbeta != null) for (int c = 0; c < C; c++) dbeta[c] = (float)dbAcc[c];
    }

    private static void BackwardSamples(float[] x, float[] dy, float[]? dx, int b0, int b1, int O, int C, int G,
        double[] mean, float[] invstd, float[] gamma, double[] sumDy, double[] sumDyXc)
    {
        int cg = C / G;
        double n = (double)O * cg;
        var fa = new float[C]; var fb = new float[C];
        var da = new double[C]; var db = new double[C];
        var mh = new float[C]; var p = new float[C]; var q = new float[C]; var r = new float[C];
        ref float xr = ref MemoryMarshal.GetArrayDataReference(x);
        ref float gr = ref MemoryMarshal.GetArrayDataReference(dy);
        const int blockRows = 64;
        for (int b = b0; b < b1; b++)
        {
            long off = (long)b * O * C;
            for (int g = 0, c0 = 0; g < G; g++, c0 += cg)
            {
                float hi = (float)mean[b * G + g];
                for (int c = c0; c < c0 + cg; c++) mh[c] = hi;
            }
            Array.Clear(da); Array.Clear(db);
            for (int o = 0; o < O; o += blockRows)
            {
                RowSums(ref xr, ref gr, off + (long)o * C, Math.Min(blockRows, O - o), C, ref mh[0], fa, fb);
                for (int c = 0; c < C; c++) { da[c] += fa[c]; db[c] += fb[c]; }
            }
            for (int g = 0, c0 = 0; g < G; g++, c0 += cg)
            {
                int s = b * G + g;
                double sg = 0, sgx = 0, lo = mean[s] - mh[c0];
                for (int c = c0, j = b * C + c0; c < c0 + cg; c++, j++)
                {
                    double xc = db[c] - lo * da[c]; // sum dy * (x - m)
                    sumDy[j] = da[c]; sumDyXc[j] = xc;
                    sg += gamma[c] * da[c]; sgx += gamma[c] * xc;
                }
                if (dx == null) continue;
                double si = invstd[s];
                double qq = -si * si * si / n * sgx;
                float rr = (float)(-si / n * sg - lo * qq), qf = (float)qq;
                for (int c = c0; c < c0 + cg; c++)
                {
                    p[c] = (float)(si * gamma[c]);
                    q[c] = qf; r[c] = rr;
                }
            }
            if (dx != null)
                BackwardRows(ref xr, ref gr, ref MemoryMarshal.GetArrayDataReference(dx), off, O, C, ref mh[0], ref p[0], ref q[0], ref r[0]);
        }
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

    /// <summary>
    /// LN / RMS over contiguous rows (view <c>[rows, 1, 1, L]</c>): per row, the moments (Moments' blocked
    /// two-pass) and then the normalization while the row is in cache; one parallel region. Writes y
    /// and the statistics the backward needs: mean (0 for <paramref name="rootMeanSquare"/>, where the
    /// variance becomes the mean square) and invstd = 1 / sqrt(variance + epsilon). The output math
    /// is <see cref="RowForward"/>'s.
    /// </summary>
    internal static void RowForwardWithMoments(float[] x, float[] y, int rows, int L, double epsilon,
        float[]? gamma, float[]? beta, bool center, bool rootMeanSquare, double[] mean, float[] invstd, bool outputInCache = false)
    {
        var g = gamma ?? Filled(L, 1f); var bt = beta ?? new float[L];
        bool stream = StreamingStores.Pays(y.Length, outputInCache) && L <= Moments.BlockFloats && StreamingStores.Supported;
        NormParallel.For(rows, NormParallel.Chunks(rows, (long)L * 2),
            (_, r0, r1) => RowsWithMoments(x, y, r0, r1, L, epsilon, g, bt, center, rootMeanSquare, mean, invstd, stream));
        if (OverflowFallback.RepairInvStd(x, rows, 1, 1, L, epsilon, rootMeanSquare, mean, invstd))
            RowForward(x, y, rows, 1, 1, L, mean, invstd, gamma, beta, center);
    }

    /// <summary>Rows [r0, r1): short rows eight at a time (<see cref="ShortRowNorm"/>); longer ones in tiles of
    /// about 16 KB, each row's moments in blocks (<see cref="Moments.SegmentBlock"/>) and then its
    /// normalization from cache.</summary>
    private static void RowsWithMoments(float[] x, float[] y, int r0, int r1, int L, double epsilon,
        float[] gamma, float[] beta, bool center, bool rootMeanSquare, double[] mean, float[] invstd, bool stream)
    {
        bool shortRows = L <= ShortRowNorm.MaxLength && ShortRowNorm.Supported;
        int tile = Math.Max(1, Moments.BlockFloats / L);
        // Large outputs: each block or tile is normalized into a buffer in L1, then streamed out (StreamingStores).
        // 16 more floats: the staged part of a cache line that StreamingStores.CopyStaged carries to the next chunk.
        var staging = stream ? ArrayPool<float>.Shared.Rent((shortRows ? 8 : tile) * L + 16) : null;
        if (shortRows)
            ShortRowNorm.Forward(x, y, r0, r1, L, (float)epsilon, gamma, beta, center, rootMeanSquare, mean, invstd, staging);
        else
            LongRowsWithMoments(x, y, r0, r1, L, tile, epsilon, gamma, beta, center, rootMeanSquare, mean, invstd, staging);
        if (staging != null)
        {
            StreamingStores.Fence();
            ArrayPool<float>.Shared.Return(staging);
        }
    }

    /// <summary>Rows longer than <see cref="ShortRowNorm.MaxLength"/>, tile by tile (see <see cref="RowsWithMoments"/>).</summary>
    private static void LongRowsWithMoments(float[] x, float[] y, int r0, int r1, int L, int tile, double epsilon,
        float[] gamma, float[] beta, bool center, bool rootMeanSquare, double[] mean, float[] invstd, float[]? staging)
    {
        ref float xr = ref MemoryMarshal.GetArrayDataReference(x);
        ref float yr = ref MemoryMarshal.GetArrayDataReference(y);
        var tileM2 = new double[tile];
        int pending = 0; // streamed output: staged floats of the rows before t0, past y's last whole cache line
        for (int t0 = r0; t0 < r1; t0 += tile)
        {
            int t1 = Math.Min(r1, t0 + tile);
            for (int r = t0; r < t1; r++)
            {
                long off = (long)r * L;
                double n = 0, m = 0, m2 = 0;
                for (int i0 = 0; i0 < L; i0 += Moments.BlockFloats)
                {
                    int len = Math.Min(Moments.BlockFloats, L - i0);
                    Moments.SegmentBlock(x, off + i0, len, out double bmean, out double bm2);
                    Moments.Merge(ref n, ref m, ref m2, len, bmean, bm2);
                }
                mean[r] = m; tileM2[r - t0] = m2;
            }
            ScaleFactors(mean.AsSpan(t0, t1 - t0), tileM2.AsSpan(0, t1 - t0), L, epsilon, rootMeanSquare, invstd.AsSpan(t0, t1 - t0));
            for (int r = t0; r < t1; r++)
            {
                long off = (long)r * L;
                double m = mean[r];
                float s = invstd[r];
                float mhi = center ? (float)m : 0f;
                float shift = center ? (float)(-(m - mhi) * s) : 0f;
                ref float yRow = ref staging != null ? ref staging[pending + (r - t0) * L] : ref Unsafe.Add(ref yr, (nint)off);
                RowSegment(ref Unsafe.Add(ref xr, (nint)off), ref yRow, ref gamma[0], ref beta[0], L, mhi, s, shift);
            }
            if (staging != null)
                pending = StreamingStores.CopyStaged(staging, pending + (t1 - t0) * L, ref Unsafe.Add(ref yr, (nint)((long)t0 * L - pending)), last: t1 >= r1);
        }
    }

    /// <summary>
    /// invstd = 1 / sqrt(m2 / n + epsilon) per row, four rows per vector of doubles (a division and a
    /// square root per row would dominate rows of 64). Root mean square: the variance gains mean²
    /// and the mean becomes 0.
    /// </summary>
    private static void ScaleFactors(Span<double> mean, ReadOnlySpan<double> m2, int n, double epsilon, bool rootMeanSquare, Span<float> invstd)
    {
        int r = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; r + 4 <= mean.Length; r += 4)
            {
                var m = Vector256.Create<double>(mean[r..]);
                var variance = Vector256.Max(Vector256.Create<double>(m2[r..]) / n, Vector256<double>.Zero);
                if (rootMeanSquare) { variance += m * m; Vector256<double>.Zero.CopyTo(mean[r..]); }
                var s = Vector256<double>.One / Vector256.Sqrt(variance + Vector256.Create(epsilon));
                Vector128.Narrow(s.GetLower(), s.GetUpper()).CopyTo(invstd[r..]);
            }
        for (; r < mean.Length; r++)
        {
            double m = mean[r], variance = Math.Max(m2[r] / n, 0);
            if (rootMeanSquare) { variance += m * m; mean[r] = 0; }
            invstd[r] = (float)(1.0 / Math.Sqrt(variance + epsilon));
        }
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

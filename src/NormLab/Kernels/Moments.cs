using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NormLab.Kernels;

/// <summary>
/// The one moments kernel shared by every normalization layer: mean and biased variance.
/// </summary>
/// <remarks>
/// The input is viewed as a contiguous <c>[B, O, K, I]</c> array; one statistic is computed per
/// (b, k) over the (o, i) elements. That view covers every norm:
/// <list type="bullet">
/// <item>BN channels-last: <c>[1, N*H*W, C, 1]</c> (rows of a matrix, vector accumulators per channel);</item>
/// <item>BN channels-first: <c>[1, N, C, H*W]</c>;</item>
/// <item>LN over trailing axes: <c>[rows, 1, 1, L]</c> (contiguous row segments; the fused LN forward on rows
/// of up to 1024 values takes the same shifted sums as the columns inside its own sweep,
/// <see cref="ShortRowNorm"/>, and falls back to <see cref="SegmentBlock"/>);</item>
/// <item>GN channels-last: <c>[N, H*W, G, C/G]</c>; GN channels-first: <c>[N, 1, G, C/G*H*W]</c>; IN = GN with G = C.</item>
/// </list>
/// Stability: contiguous segments (I > 1) are cut into cache-sized blocks that each get the corrected
/// two-pass treatment in float32 (a block mean, then the sums of d and d² for d = x - blockMean, which
/// stay small even when the mean is 1e6). Columns (I == 1: BN, GN and IN channels-last) are read once,
/// as sums of d = x - shift with the mean of the first rows as the shift, in float blocks flushed to
/// double. Blocks and threads are merged in double with Chan's parallel formula. Results are double so
/// that a mean of 1e6 keeps its fraction.
/// NaN or infinity in a group makes that group's mean and variance NaN (no clamping hides it).
/// </remarks>
internal static class Moments
{
    /// <summary>Floats per block of the two-pass scheme (fits in L1 with its accumulators).</summary>
    internal const int BlockFloats = 4096;

    /// <summary>Computes <paramref name="mean"/> and biased <paramref name="variance"/> (length B*K).</summary>
    internal static void Compute(float[] x, int B, int O, int K, int I, double[] mean, double[] variance)
    {
        long groupSize = (long)O * I;
        if ((long)B * O * K * I > x.Length) throw new ArgumentException("Moments: view larger than the data.");
        if (mean.Length < B * K || variance.Length < B * K) throw new ArgumentException("Moments: output too small.");
        if ((long)B * K == 0) return; // no groups (an empty batch or channel axis)
        if (groupSize == 0)
        {
            Array.Fill(mean, double.NaN, 0, B * K);
            Array.Fill(variance, double.NaN, 0, B * K);
            return;
        }
        if (I == 1) ComputeColumns(x, B, O, K, mean, variance);
        else ComputeSegments(x, B, O, K, I, mean, variance);
        OverflowFallback.RepairMoments(x, B, O, K, I, mean, variance);
    }

    /// <summary>
    /// Samples [b0, b1) of a [B, O, K] channels-last array, statistics per (b, k) over the O rows:
    /// <code>
    /// shift[k] = mean of x[b, 0..3, k] (a cheap estimate of the mean, so that no cancellation occurs)
    /// S1 = sum (x - shift), S2 = sum (x - shift)²   (ShiftedColumnSums: one pass, float blocks merged in double)
    /// mean = shift + S1 / O,  variance = (S2 - S1² / O) / O
    /// </code>
    /// Non-finite sums give NaN mean and variance.
    /// </summary>
    private static void ShiftedColumnMoments(float[] x, int b0, int b1, int O, int K, double[] mean, double[] variance)
    {
        var shift = System.Buffers.ArrayPool<float>.Shared.Rent(K); var scratch = System.Buffers.ArrayPool<float>.Shared.Rent(2 * K);
        var s1 = System.Buffers.ArrayPool<double>.Shared.Rent(K); var s2 = System.Buffers.ArrayPool<double>.Shared.Rent(K);
        double invO = 1.0 / O; // multiplications: a division per channel costs more than its whole column here
        for (int b = b0; b < b1; b++)
        {
            long off = (long)b * O * K;
            ColumnShifts(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(x), (nint)off), O, K, shift);
            ShiftedColumnSums(x, off, O, K, shift, s1, s2, scratch);
            ShiftedMoments(shift, s1, s2, K, invO, mean.AsSpan(b * K, K), variance.AsSpan(b * K, K));
        }
        System.Buffers.ArrayPool<float>.Shared.Return(shift); System.Buffers.ArrayPool<float>.Shared.Return(scratch);
        System.Buffers.ArrayPool<double>.Shared.Return(s1); System.Buffers.ArrayPool<double>.Shared.Return(s2);
    }

    /// <summary>
    /// Mean and variance of K columns from their shifted sums, four at a time.
    /// Scalar math: mean = shift + s1 / n; variance = max(0, (s2 - s1² / n) / n) (both NaN when a sum is not finite).
    /// </summary>
    private static void ShiftedMoments(float[] shift, double[] s1, double[] s2, int K, double invN, Span<double> mean, Span<double> variance)
    {
        int k = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vn = Vector256.Create(invN); var nan = Vector256.Create(double.NaN);
            for (; k + 4 <= K; k += 4)
            {
                var t1 = Vector256.Create<double>(s1.AsSpan(k)); var t2 = Vector256.Create<double>(s2.AsSpan(k));
                // t - t is 0 for finite t and NaN otherwise
                var finite = Vector256.Equals((t1 - t1) + (t2 - t2), Vector256<double>.Zero);
                var m = Vector256.WidenLower(Vector128.Create<float>(shift.AsSpan(k)).ToVector256()) + t1 * vn;
                var v = Vector256.Max((t2 - t1 * t1 * vn) * vn, Vector256<double>.Zero);
                Vector256.ConditionalSelect(finite, m, nan).CopyTo(mean[k..]);
                Vector256.ConditionalSelect(finite, v, nan).CopyTo(variance[k..]);
            }
        }
        for (; k < K; k++)
        {
            double t1 = s1[k], t2 = s2[k];
            if (!double.IsFinite(t1) || !double.IsFinite(t2)) { mean[k] = double.NaN; variance[k] = double.NaN; continue; }
            mean[k] = shift[k] + t1 * invN;
            variance[k] = Math.Max(0, (t2 - t1 * t1 * invN) * invN);
        }
    }

    /// <summary>Scalar math: shift[k] = mean of x[r, k] over the first min(rows, 4) rows of a [rows, K]
    /// block (0 when not finite): a cheap estimate of the column means, to shift the sums by.</summary>
    internal static void ColumnShifts(ref float xb, int rows, int K, float[] shift)
    {
        int est = Math.Min(rows, 4);
        float invEst = 1f / est;
        ref float sr = ref MemoryMarshal.GetArrayDataReference(shift);
        int kv = Vector256.IsHardwareAccelerated ? K - K % 8 : 0;
        var vinv = Vector256.Create(invEst);
        for (int k = 0; k < kv; k += 8)
        {
            var e = Vector256.LoadUnsafe(ref xb, (nuint)k);
            for (int r = 1; r < est; r++) e += Vector256.LoadUnsafe(ref xb, (nuint)(r * K + k));
            e *= vinv;
            // x - x is 0 for finite x and NaN otherwise: keep finite estimates only
            Vector256.ConditionalSelect(Vector256.Equals(e - e, Vector256<float>.Zero), e, Vector256<float>.Zero).StoreUnsafe(ref sr, (nuint)k);
        }
        for (int k = kv; k < K; k++)
        {
            float e = 0;
            for (int r = 0; r < est; r++) e += Unsafe.Add(ref xb, r * K + k);
            e *= invEst;
            shift[k] = float.IsFinite(e) ? e : 0f;
        }
    }

    /// <summary>Chan's pairwise merge of (nb, meanB, m2B) into (n, mean, m2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Merge(ref double n, ref double mean, ref double m2, double nb, double meanB, double m2B)
    {
        if (nb == 0) return;
        if (n == 0) { n = nb; mean = meanB; m2 = m2B; return; }
        double nn = n + nb, d = meanB - mean;
        mean += d * (nb / nn);
        m2 += m2B + d * d * (n * nb / nn);
        n = nn;
    }

    // ---------------------------------------------------------------- columns (I == 1)

    private static void ComputeColumns(float[] x, int B, int O, int K, double[] mean, double[] variance)
    {
        int chunks = NormParallel.Chunks(O, (long)B * K);
        if (B >= chunks || chunks == 1)
        {
            // Enough samples to keep every thread busy: one (b) per work item, rows in order.
            int bChunks = NormParallel.Chunks(B, (long)O * K);
            // One pass of shifted sums per sample (statistics per (b, k) over the O rows).
            NormParallel.For(B, bChunks, (_, b0, b1) => ShiftedColumnMoments(x, b0, b1, O, K, mean, variance));
            return;
        }
        // Few samples (BN: one) and many rows: each thread sums a range of rows around the sample's shift,
        // and the per-thread (n, mean, M2) partials are merged with Chan's formula.
        var shift = new float[K];
        var p1 = new double[chunks][]; var p2 = new double[chunks][]; var pn = new int[chunks];
        for (int b = 0; b < B; b++)
        {
            long baseOff = (long)b * O * K;
            ColumnShifts(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(x), (nint)baseOff), O, K, shift);
            NormParallel.For(O, chunks, (t, r0, r1) =>
            {
                var s1 = new double[K]; var s2 = new double[K];
                ShiftedColumnSums(x, baseOff + (long)r0 * K, r1 - r0, K, shift, s1, s2, new float[2 * K]);
                p1[t] = s1; p2[t] = s2; pn[t] = r1 - r0;
            });
            for (int k = 0; k < K; k++)
            {
                double n = 0, m = 0, m2 = 0;
                for (int t = 0; t < chunks; t++)
                {
                    double d1 = p1[t][k], inv = 1.0 / pn[t];
                    Merge(ref n, ref m, ref m2, pn[t], shift[k] + d1 * inv, Math.Max(0, p2[t][k] - d1 * d1 * inv));
                }
                mean[b * K + k] = m;
                variance[b * K + k] = Math.Max(0, m2 / n);
            }
        }
    }

    /// <summary>
    /// Sums of deviations d = x - ref[k] and of d² over a block of rows, per column, 32 columns at a time
    /// (ref = the shifts of the shifted single pass).
    /// </summary>
    private static void BlockDeviations(ref float xr, nuint off, int nr, int K, int kv, ref float bm, ref float s1, ref float s2)
    {
        nuint stride = (nuint)K;
        int k = 0;
        // Scalar math: d = x[r, k] - blockMean[k]; s1[k] += d; s2[k] += d * d
        for (; k + 32 <= kv; k += 32)
        {
            nuint c = (nuint)k;
            var m0 = Vector256.LoadUnsafe(ref bm, c); var m1 = Vector256.LoadUnsafe(ref bm, c + 8);
            var m2 = Vector256.LoadUnsafe(ref bm, c + 16); var m3 = Vector256.LoadUnsafe(ref bm, c + 24);
            Vector256<float> p0 = default, p1 = default, p2 = default, p3 = default, q0 = default, q1 = default, q2 = default, q3 = default;
            nuint o = off + c;
            for (int r = 0; r < nr; r++, o += stride)
            {
                var d0 = Vector256.LoadUnsafe(ref xr, o) - m0; var d1 = Vector256.LoadUnsafe(ref xr, o + 8) - m1;
                var d2 = Vector256.LoadUnsafe(ref xr, o + 16) - m2; var d3 = Vector256.LoadUnsafe(ref xr, o + 24) - m3;
                p0 += d0; p1 += d1; p2 += d2; p3 += d3;
                q0 = Vector256.FusedMultiplyAdd(d0, d0, q0); q1 = Vector256.FusedMultiplyAdd(d1, d1, q1);
                q2 = Vector256.FusedMultiplyAdd(d2, d2, q2); q3 = Vector256.FusedMultiplyAdd(d3, d3, q3);
            }
            p0.StoreUnsafe(ref s1, c); p1.StoreUnsafe(ref s1, c + 8); p2.StoreUnsafe(ref s1, c + 16); p3.StoreUnsafe(ref s1, c + 24);
            q0.StoreUnsafe(ref s2, c); q1.StoreUnsafe(ref s2, c + 8); q2.StoreUnsafe(ref s2, c + 16); q3.StoreUnsafe(ref s2, c + 24);
        }
        for (; k < kv; k += 8)
        {
            // Two rows at a time: independent chains when few columns are left (narrow GN groups).
            var m0 = Vector256.LoadUnsafe(ref bm, (nuint)k);
            Vector256<float> p0 = default, q0 = default, p1 = default, q1 = default;
            nuint o = off + (nuint)k;
            int r = 0;
            for (; r + 2 <= nr; r += 2, o += 2 * stride)
            {
                var d0 = Vector256.LoadUnsafe(ref xr, o) - m0; var d1 = Vector256.LoadUnsafe(ref xr, o + stride) - m0;
                p0 += d0; p1 += d1;
                q0 = Vector256.FusedMultiplyAdd(d0, d0, q0); q1 = Vector256.FusedMultiplyAdd(d1, d1, q1);
            }
            if (r < nr)
            {
                var d0 = Vector256.LoadUnsafe(ref xr, o) - m0;
                p0 += d0; q0 = Vector256.FusedMultiplyAdd(d0, d0, q0);
            }
            (p0 + p1).StoreUnsafe(ref s1, (nuint)k); (q0 + q1).StoreUnsafe(ref s2, (nuint)k);
        }
        for (; k < K; k++)
        {
            float m = Unsafe.Add(ref bm, k), p = 0, q = 0;
            nuint o = off + (nuint)k;
            for (int r = 0; r < nr; r++, o += stride)
            {
                float d = Unsafe.Add(ref xr, o) - m;
                p += d; q = MathF.FusedMultiplyAdd(d, d, q);
            }
            Unsafe.Add(ref s1, k) = p; Unsafe.Add(ref s2, k) = q;
        }
    }

    // ---------------------------------------------------------------- segments (I > 1)

    private static void ComputeSegments(float[] x, int B, int O, int K, int I, double[] mean, double[] variance)
    {
        int units = B * K;
        int chunks = NormParallel.Chunks(units, (long)O * I);
        NormParallel.For(units, chunks, (_, u0, u1) =>
        {
            for (int u = u0; u < u1; u++)
            {
                int b = u / K, k = u % K;
                double n = 0, m = 0, m2 = 0;
                for (int o = 0; o < O; o++)
                {
                    long off = (((long)b * O + o) * K + k) * I;
                    for (int i0 = 0; i0 < I; i0 += BlockFloats)
                    {
                        int len = Math.Min(BlockFloats, I - i0);
                        SegmentBlock(x, off + i0, len, out double bmean, out double bm2);
                        Merge(ref n, ref m, ref m2, len, bmean, bm2);
                    }
                }
                mean[u] = m;
                variance[u] = Math.Max(0, m2 / n);
            }
        });
    }

    /// <summary>Corrected two-pass mean and M2 of one contiguous block (in cache for the second pass).</summary>
    internal static void SegmentBlock(float[] x, long off, int len, out double mean, out double m2)
    {
        ref float xr = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(x), (nint)off);
        int iv = Vector256.IsHardwareAccelerated ? len - len % 8 : 0;
        // Scalar math: sum += x[i]
        var a0 = Vector256<float>.Zero; var a1 = Vector256<float>.Zero;
        int i = 0;
        for (; i + 16 <= iv; i += 16)
        {
            a0 += Vector256.LoadUnsafe(ref xr, (nuint)i);
            a1 += Vector256.LoadUnsafe(ref xr, (nuint)(i + 8));
        }
        for (; i < iv; i += 8) a0 += Vector256.LoadUnsafe(ref xr, (nuint)i);
        float sum = Vector256.Sum(a0 + a1);
        for (; i < len; i++) sum += Unsafe.Add(ref xr, i);
        float bm = sum / len;

        // Scalar math: d = x[i] - blockMean; s1 += d; s2 += d * d
        var vm = Vector256.Create(bm);
        var p1 = Vector256<float>.Zero; var p2 = Vector256<float>.Zero;
        var q1 = Vector256<float>.Zero; var q2 = Vector256<float>.Zero;
        i = 0;
        for (; i + 16 <= iv; i += 16)
        {
            var d0 = Vector256.LoadUnsafe(ref xr, (nuint)i) - vm;
            var d1 = Vector256.LoadUnsafe(ref xr, (nuint)(i + 8)) - vm;
            p1 += d0; q1 += d1;
            p2 = Vector256.FusedMultiplyAdd(d0, d0, p2);
            q2 = Vector256.FusedMultiplyAdd(d1, d1, q2);
        }
        for (; i < iv; i += 8)
        {
            var d0 = Vector256.LoadUnsafe(ref xr, (nuint)i) - vm;
            p1 += d0; p2 = Vector256.FusedMultiplyAdd(d0, d0, p2);
        }
        double s1 = Vector256.Sum(p1 + q1), s2 = Vector256.Sum(p2 + q2);
        for (; i < len; i++)
        {
            double d = Unsafe.Add(ref xr, i) - bm;
            s1 += d; s2 += d * d;
        }
        mean = bm + s1 / len;
        m2 = Math.Max(0, s2 - s1 * s1 / len);
    }

    /// <summary>
    /// One pass over rows [0, rows) of a [rows, C] channels-last block at <paramref name="off"/>: per channel,
    /// <c>s1[c] = sum d</c> and <c>s2[c] = sum d²</c> for <c>d = x - shift[c]</c> (overwriting s1, s2: callers
    /// need not clear them).
    /// With a shift near the mean (a pre-estimate from the first rows), <c>m2 = s2 - s1² / n</c> keeps the
    /// precision of the two-pass scheme (no cancellation even when the mean is 1e6) while x is read once.
    /// Float partial sums over blocks of at most 64 rows, flushed to double. 32 channels at a time with
    /// their shifts and accumulators in registers; <paramref name="scratch"/> holds 2 * C floats.
    /// With <paramref name="groupWidth"/> &gt; 1 (GN: groups of that many adjacent channels sharing one
    /// shift), each block's partials are summed per group instead, into s1[g] and s2[g].
    /// </summary>
    internal static void ShiftedColumnSums(float[] x, long off, int rows, int C, float[] shift, double[] s1, double[] s2, float[] scratch,
        int groupWidth = 1)
    {
        ref float xr = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(x), (nint)off);
        ref float sr = ref MemoryMarshal.GetArrayDataReference(shift);
        ref float f1 = ref scratch[0];
        ref float f2 = ref scratch[C];
        int cv = Vector256.IsHardwareAccelerated ? C - C % 8 : 0;
        int blockRows = Math.Clamp(BlockFloats / Math.Max(1, C), 8, 64);
        if (rows <= 0) { Array.Clear(s1, 0, C / groupWidth); Array.Clear(s2, 0, C / groupWidth); }
        for (int rb = 0; rb < rows; rb += blockRows)
        {
            int nr = Math.Min(blockRows, rows - rb);
            nuint boff = (nuint)((long)rb * C);
            BlockDeviations(ref xr, boff, nr, C, cv, ref sr, ref f1, ref f2);
            // The first block stores, the others add (no clearing of s1, s2 per sample).
            bool add = rb > 0;
            if (groupWidth == 1) { AddWidened(scratch.AsSpan(0, C), s1, add); AddWidened(scratch.AsSpan(C, C), s2, add); }
            else { AddGroupSums(scratch.AsSpan(0, C), groupWidth, s1, add); AddGroupSums(scratch.AsSpan(C, C), groupWidth, s2, add); }
        }
    }

    /// <summary>Scalar math: sum[g] (+)= sum of part[g * width .. (g + 1) * width), adding when <paramref name="add"/>
    /// (a vector sum when width is a multiple of 8: a GN group of 32 channels is four adds and one horizontal
    /// sum, not 32 double adds).</summary>
    private static void AddGroupSums(ReadOnlySpan<float> part, int width, double[] sum, bool add)
    {
        for (int g = 0, c0 = 0; c0 < part.Length; g++, c0 += width)
        {
            var group = part.Slice(c0, width);
            if (Vector256.IsHardwareAccelerated && width % 8 == 0)
            {
                double vs = RunSum(ref MemoryMarshal.GetReference(group), width);
                sum[g] = add ? sum[g] + vs : vs;
                continue;
            }
            double t = 0;
            foreach (float f in group) t += f;
            sum[g] = add ? sum[g] + t : t;
        }
    }

    /// <summary>Scalar math: the sum of x[0 .. n), eight lanes at a time and then across the lanes; the values past
    /// the last whole vector one at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float RunSum(ref float x, int n)
    {
        var v = Vector256<float>.Zero;
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= n; i += 8) v += Vector256.LoadUnsafe(ref x, (nuint)i);
        float s = Vector256.Sum(v);
        for (; i < n; i++) s += Unsafe.Add(ref x, i);
        return s;
    }

    /// <summary>Scalar math: sum[j] (+)= (double)part[j], adding when <paramref name="add"/> (eight at a time).</summary>
    private static void AddWidened(ReadOnlySpan<float> part, double[] sum, bool add)
    {
        ref float pr = ref MemoryMarshal.GetReference(part);
        ref double sr = ref MemoryMarshal.GetArrayDataReference(sum);
        int n = Math.Min(part.Length, sum.Length), j = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; j + 8 <= n; j += 8)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref pr, (nuint)j));
                if (add) { lo += Vector256.LoadUnsafe(ref sr, (nuint)j); hi += Vector256.LoadUnsafe(ref sr, (nuint)j + 4); }
                lo.StoreUnsafe(ref sr, (nuint)j);
                hi.StoreUnsafe(ref sr, (nuint)j + 4);
            }
        for (; j < part.Length; j++) sum[j] = add ? sum[j] + part[j] : part[j];
    }
}

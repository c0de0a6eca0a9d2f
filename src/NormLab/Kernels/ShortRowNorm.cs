using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NormLab.Kernels;

/// <summary>
/// LN / RMS forward over short contiguous rows (LN over the channels of NHWC data, over the features
/// of a sequence), eight rows at a time so that every per-row step is one vector operation for the
/// eight. The moments are the shifted single pass that <see cref="Moments"/> uses for columns: each row
/// is shifted by the mean of its first eight values, and the sums of d = x - shift and d² give
/// mean = shift + lo and variance = (S2 - S1 * lo) / L. The sums of the next eight rows are taken in the
/// same loop that normalizes the current eight, so each row is read from memory once and the latency of
/// the sums hides behind the stores (a separate two-pass, 20% slower on rows of 64). A row whose shift
/// lands more than two standard deviations from its mean (its first values are outliers), where the
/// sums would cancel, is redone with the corrected two-pass of <see cref="Moments.SegmentBlock"/>. The
/// mean, variance and 1 / sqrt(variance + epsilon) of eight rows are computed together in float32, as
/// Keras computes them; the mean stays split as shift + lo (so a mean of 1e6 keeps its fraction), and
/// the output is <c>((x - shift) * s - lo * s) * gamma + beta</c>.
/// (32, 28, 28, 64) on one thread: 0.62-0.70 ms before this kernel, 0.47 ms with it, 0.19 ms for a copy
/// (bench/README.md).
/// </summary>
internal static class ShortRowNorm
{
    /// <summary>Longest row handled here: eight rows of 1024 floats fill a 32 KB L1, from which the
    /// normalizing sweep reads them again.</summary>
    internal const int MaxLength = 1024;

    /// <summary>Whether this machine runs the kernel (it reduces with AVX's horizontal adds).</summary>
    internal static bool Supported => Avx.IsSupported;

    /// <summary>
    /// Rows [r0, r1) of length <paramref name="L"/> ≤ <see cref="MaxLength"/>: y, mean and invstd as
    /// <see cref="Normalize.RowForwardWithMoments"/> defines them. <paramref name="staging"/> (8 * L + 16 floats,
    /// or null): normalize each block there and stream it out in whole cache lines (large outputs not in cache).
    /// </summary>
    internal static void Forward(float[] x, float[] y, int r0, int r1, int L, float epsilon, float[] gamma, float[] beta,
        bool center, bool rootMeanSquare, double[] mean, float[] invstd, float[]? staging)
    {
        if (r1 <= r0) return; // an empty batch
        ref float xr = ref MemoryMarshal.GetArrayDataReference(x);
        ref float yr = ref MemoryMarshal.GetArrayDataReference(y);
        var n = Vector256.Create((float)L);
        var eps = Vector256.Create(epsilon);
        // [0, 8L): a last block of fewer than eight rows, padded; [8L, 16L): the first sweep's throwaway output, and
        // then the spare output row of an odd last row.
        var scratch = ArrayPool<float>.Shared.Rent(16 * L);
        Span<float> hi = stackalloc float[8], s = stackalloc float[8], sh = stackalloc float[8], nextShift = stackalloc float[8];
        Span<Vector256<float>> sums = stackalloc Vector256<float>[16];
        int pending = 0; // streamed output: staged floats of the rows before r, past y's last whole cache line

        // The first block's sums come from the same sweep, normalizing it with zero statistics into scratch.
        ref float first = ref Block(ref xr, r0, r1, L, scratch);
        var shift = Shifts(ref first, L);
        shift.CopyTo(nextShift);
        Sweep(ref first, ref scratch[8 * L], 8, L, gamma, beta, hi, s, sh, ref first, nextShift, sums, ref scratch[8 * L]);
        for (int r = r0; r < r1; r += 8)
        {
            int count = Math.Min(8, r1 - r);
            var mhi = shift;
            var s1 = RowSums(sums, 0);
            var lo = s1 / n;
            // Max(v, 0) keeps a NaN variance (a row with NaN input) NaN.
            var variance = Vector256.Max((RowSums(sums, 8) - s1 * lo) / n, Vector256<float>.Zero);
            ref float x0 = ref Unsafe.Add(ref xr, (nint)r * L);
            if (Vector256.GreaterThanAny(lo * lo, 4 * variance)) RedoFarShifts(x, (long)r * L, count, L, ref mhi, ref lo, ref variance);
            if (rootMeanSquare) variance += (mhi + lo) * (mhi + lo);
            var scale = Vector256<float>.One / Vector256.Sqrt(variance + eps);
            scale.CopyTo(s);
            (center ? mhi : Vector256<float>.Zero).CopyTo(hi);
            (center ? -lo * scale : Vector256<float>.Zero).CopyTo(sh);
            StoreStatistics(r, count, rootMeanSquare, mhi, lo, scale, mean, invstd);

            // The next block's shifts and sums; the last block sums itself again, unused.
            bool more = r + 8 < r1;
            ref float next = ref more ? ref Block(ref xr, r + 8, r1, L, scratch) : ref x0;
            shift = more ? Shifts(ref next, L) : shift;
            shift.CopyTo(nextShift);
            ref float y0 = ref staging != null ? ref staging[pending] : ref Unsafe.Add(ref yr, (nint)r * L);
            Sweep(ref x0, ref y0, count, L, gamma, beta, hi, s, sh, ref next, nextShift, sums, ref scratch[8 * L]);
            if (staging != null)
                pending = StreamingStores.CopyStaged(staging, pending + count * L, ref Unsafe.Add(ref yr, (nint)r * L - pending), last: !more);
        }
        ArrayPool<float>.Shared.Return(scratch);
    }

    /// <summary>
    /// Rows whose shift lies more than two standard deviations from their mean (lo² > 4 variance) lose up to
    /// log2(1 + lo² / variance) bits to the shifted sums' cancellation: those rows get the corrected two-pass
    /// instead, with their mean split again into a float hi and lo. Such rows are rare: the mean of eight
    /// values of a row lies within a third of a standard deviation of the row mean, typically.
    /// </summary>
    private static void RedoFarShifts(float[] x, long off, int count, int L, ref Vector256<float> hi, ref Vector256<float> lo,
        ref Vector256<float> variance)
    {
        Span<float> h = stackalloc float[8], l = stackalloc float[8], v = stackalloc float[8];
        hi.CopyTo(h); lo.CopyTo(l); variance.CopyTo(v);
        for (int j = 0; j < count; j++)
        {
            if (!(l[j] * l[j] > 4 * v[j])) continue;
            Moments.SegmentBlock(x, off + (long)j * L, L, out double m, out double m2);
            h[j] = (float)m; l[j] = (float)(m - h[j]); v[j] = (float)Math.Max(m2 / L, 0);
        }
        hi = Vector256.Create<float>(h); lo = Vector256.Create<float>(l); variance = Vector256.Create<float>(v);
    }

    /// <summary>
    /// Normalizes <paramref name="rows"/> rows at x0 into y0 (<c>y = ((x - hi[j]) * s[j] + sh[j]) * gamma + beta</c>)
    /// and, in the same loop, sums d and d² (d = xn - shift[j]) of the rows at <paramref name="xn"/> into
    /// sums[j] and sums[8 + j]. Two rows at a time: they share the loads of gamma and beta and the per-row
    /// work (on rows of 64, that work took as many instructions as the row's vectors). An odd last row is
    /// paired with itself, the copy writing into <paramref name="spare"/> (L floats).
    /// </summary>
    private static void Sweep(ref float x0, ref float y0, int rows, int L, float[] gamma, float[] beta,
        ReadOnlySpan<float> hi, ReadOnlySpan<float> s, ReadOnlySpan<float> sh, ref float xn, ReadOnlySpan<float> shift,
        Span<Vector256<float>> sums, ref float spare)
    {
        ref float g = ref MemoryMarshal.GetArrayDataReference(gamma);
        ref float b = ref MemoryMarshal.GetArrayDataReference(beta);
        nuint iv = (nuint)(L & ~7);
        for (int j = 0; j < rows; j += 2)
        {
            bool pair = j + 1 < rows;
            int k = pair ? j + 1 : j;
            ref float xa = ref Unsafe.Add(ref x0, j * L); ref float ya = ref Unsafe.Add(ref y0, j * L); ref float na = ref Unsafe.Add(ref xn, j * L);
            ref float xb = ref Unsafe.Add(ref x0, k * L); ref float nb = ref Unsafe.Add(ref xn, k * L);
            ref float yb = ref pair ? ref Unsafe.Add(ref y0, k * L) : ref spare;
            // The values past the last whole vector first: no vector is live across these calls, so that the
            // JIT keeps the loop's sums in registers.
            float tpa = 0, tqa = 0, tpb = 0, tqb = 0;
            if (iv < (nuint)L)
            {
                (tpa, tqa) = Tail(ref xa, ref ya, ref na, ref g, ref b, (int)iv, L, hi[j], s[j], sh[j], shift[j]);
                (tpb, tqb) = Tail(ref xb, ref yb, ref nb, ref g, ref b, (int)iv, L, hi[k], s[k], sh[k], shift[k]);
            }
            var ma = Vector256.Create(hi[j]); var sa = Vector256.Create(s[j]); var ha = Vector256.Create(sh[j]); var va = Vector256.Create(shift[j]);
            var mb = Vector256.Create(hi[k]); var sb = Vector256.Create(s[k]); var hb = Vector256.Create(sh[k]); var vb = Vector256.Create(shift[k]);
            Vector256<float> pa = default, qa = default, pb = default, qb = default;
            for (nuint i = 0; i < iv; i += 8)
            {
                var gi = Vector256.LoadUnsafe(ref g, i); var bi = Vector256.LoadUnsafe(ref b, i);
                var da = Vector256.LoadUnsafe(ref na, i) - va; pa += da; qa = Vector256.FusedMultiplyAdd(da, da, qa);
                var db = Vector256.LoadUnsafe(ref nb, i) - vb; pb += db; qb = Vector256.FusedMultiplyAdd(db, db, qb);
                var ta = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xa, i) - ma, sa, ha);
                var tb = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xb, i) - mb, sb, hb);
                Vector256.FusedMultiplyAdd(ta, gi, bi).StoreUnsafe(ref ya, i);
                Vector256.FusedMultiplyAdd(tb, gi, bi).StoreUnsafe(ref yb, i);
            }
            sums[j] = pa + Vector256.CreateScalar(tpa); sums[8 + j] = qa + Vector256.CreateScalar(tqa);
            sums[k] = pb + Vector256.CreateScalar(tpb); sums[8 + k] = qb + Vector256.CreateScalar(tqb);
        }
    }

    /// <summary>The values of a row past its last whole vector, one at a time; returns their sums of d and d².
    /// Scalar math: d = xn - shift; y = ((x - hi) * s + sh) * gamma + beta.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (float, float) Tail(ref float xj, ref float yj, ref float nj, ref float g, ref float b, int from, int L,
        float hi, float s, float sh, float shift)
    {
        float tp = 0, tq = 0;
        for (int k = from; k < L; k++)
        {
            float d = Unsafe.Add(ref nj, k) - shift;
            tp += d; tq += d * d;
            float t = MathF.FusedMultiplyAdd(Unsafe.Add(ref xj, k) - hi, s, sh);
            Unsafe.Add(ref yj, k) = MathF.FusedMultiplyAdd(t, Unsafe.Add(ref g, k), Unsafe.Add(ref b, k));
        }
        return (tp, tq);
    }

    /// <summary>The eight row sums held as vectors in sums[off .. off + 7], as one vector (lane j = row j).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> RowSums(ReadOnlySpan<Vector256<float>> sums, int off) =>
        Join(HalfSums(sums[off], sums[off + 1], sums[off + 2], sums[off + 3]),
            HalfSums(sums[off + 4], sums[off + 5], sums[off + 6], sums[off + 7]));

    /// <summary>mean[r + j] = shift + lo in double (0 for the root mean square) and invstd[r + j] for the
    /// block's <paramref name="count"/> rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreStatistics(int r, int count, bool rootMeanSquare, Vector256<float> shift, Vector256<float> lo,
        Vector256<float> scale, double[] mean, float[] invstd)
    {
        var lower = rootMeanSquare ? Vector256<double>.Zero : Vector256.WidenLower(shift) + Vector256.WidenLower(lo);
        var upper = rootMeanSquare ? Vector256<double>.Zero : Vector256.WidenUpper(shift) + Vector256.WidenUpper(lo);
        if (count == 8)
        {
            lower.StoreUnsafe(ref mean[r]); upper.StoreUnsafe(ref mean[r + 4]);
            scale.StoreUnsafe(ref invstd[r]);
            return;
        }
        for (int j = 0; j < count; j++)
        {
            mean[r + j] = j < 4 ? lower.GetElement(j) : upper.GetElement(j - 4);
            invstd[r + j] = scale.GetElement(j);
        }
    }

    /// <summary>The block of eight rows starting at row <paramref name="r"/>: in place, or, when fewer than
    /// eight remain before <paramref name="r1"/>, copied into scratch and padded with copies of its last row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref float Block(ref float xr, int r, int r1, int L, float[] scratch)
    {
        ref float x0 = ref Unsafe.Add(ref xr, (nint)r * L);
        return ref r1 - r >= 8 ? ref x0 : ref Padded(ref x0, r1 - r, L, scratch);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ref float Padded(ref float x0, int count, int L, float[] scratch)
    {
        var rows = MemoryMarshal.CreateReadOnlySpan(ref x0, count * L);
        rows.CopyTo(scratch);
        for (int j = count; j < 8; j++) rows[((count - 1) * L)..].CopyTo(scratch.AsSpan(j * L));
        return ref scratch[0];
    }

    /// <summary>Each row's shift (lane j = row j): the mean of its first eight values, or of all its values
    /// when it has fewer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Shifts(ref float x0, int L)
    {
        if (L < 8) return SmallRowMeans(ref x0, L);
        var a = HalfSums(Vector256.LoadUnsafe(ref x0), Vector256.LoadUnsafe(ref Unsafe.Add(ref x0, L)),
            Vector256.LoadUnsafe(ref Unsafe.Add(ref x0, 2 * L)), Vector256.LoadUnsafe(ref Unsafe.Add(ref x0, 3 * L)));
        var b = HalfSums(Vector256.LoadUnsafe(ref Unsafe.Add(ref x0, 4 * L)), Vector256.LoadUnsafe(ref Unsafe.Add(ref x0, 5 * L)),
            Vector256.LoadUnsafe(ref Unsafe.Add(ref x0, 6 * L)), Vector256.LoadUnsafe(ref Unsafe.Add(ref x0, 7 * L)));
        return Join(a, b) * 0.125f;
    }

    /// <summary>The means of eight rows of fewer than eight values.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<float> SmallRowMeans(ref float x0, int L)
    {
        Span<float> m = stackalloc float[8];
        for (int j = 0; j < 8; j++)
        {
            for (int i = 0; i < L; i++) m[j] += Unsafe.Add(ref x0, j * L + i);
            m[j] /= L;
        }
        return Vector256.Create<float>(m);
    }

    /// <summary>Four rows' horizontal sums, half done: lanes [r0 r1 r2 r3 | r0 r1 r2 r3] hold each row's
    /// sums over its low and its high 128 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> HalfSums(Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3) =>
        Avx.HorizontalAdd(Avx.HorizontalAdd(v0, v1), Avx.HorizontalAdd(v2, v3));

    /// <summary>Rows 0-3 (<paramref name="a"/>) and 4-7 (<paramref name="b"/>) of <see cref="HalfSums"/> joined:
    /// lane j = row j's sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Join(Vector256<float> a, Vector256<float> b) =>
        Avx.Permute2x128(a, b, 0x20) + Avx.Permute2x128(a, b, 0x31);
}

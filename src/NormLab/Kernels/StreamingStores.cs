using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NormLab.Kernels;

/// <summary>
/// Writes with non-temporal (streaming) stores, for outputs too large to stay in cache: the
/// channels-last affine and a staged copy (of a tile computed in L1). A layer's output is usually a fresh array,
/// and with a gen0 of 100+ MB (see Directory.Build.props) its lines are never in cache: an ordinary
/// store first reads each line from memory (read-for-ownership) only to overwrite it. Streaming
/// stores skip that read: writing a fresh 6.4 MB output took 0.56 ms with ordinary stores and
/// 0.34 ms with streaming ones (a copy into an array already in cache: 0.29 ms).
/// </summary>
internal static class StreamingStores
{
    /// <summary>Outputs of at least this many floats (4 MB) are streamed: well beyond the L2 of a
    /// core, so the next op would not have found them in its private cache anyway.</summary>
    internal const int MinFloats = 1 << 20;

    /// <summary>
    /// Whether streaming an output of <paramref name="length"/> floats beats ordinary stores. Not when the
    /// output array was recycled from a disposed tensor (<see cref="TensorPool"/>): it is then likely in
    /// cache, and ordinary stores into it took a BN forward on (32, 28, 28, 64) from 0.36 to 0.18-0.23 ms
    /// at two threads, where streaming it would evict it.
    /// </summary>
    internal static bool Pays(int length, bool outputInCache) => !outputInCache && length >= MinFloats;

    /// <summary>Whether the streaming kernels can run on this processor.</summary>
    internal static bool Supported => Avx.IsSupported && Fma.IsSupported;

    /// <summary>
    /// Scalar math: y = (x - mh[c]) * a[c] + sh[c], for rows [off, off + rows * C) of a [*, C] block. Streaming stores need 32-byte aligned addresses,
    /// which a managed array does not give (8 bytes), so the aligned vectors start mid-row and may
    /// straddle two rows: their channel offset c0 runs modulo C, and the coefficients are read from
    /// copies extended by 8 (ext[k] = coef[k mod C]) so that a vector starting at c0 reads c0..c0+7.
    /// </summary>
    internal static unsafe void AffineRows(ref float xr, ref float yr, long off, int rows, int C, ref float mr, ref float ar, ref float sr)
    {
        long total = (long)rows * C;
        int extLength = C + 8;
        Span<float> ext = extLength * 3 <= 3072 ? stackalloc float[extLength * 3] : new float[extLength * 3];
        for (int k = 0; k < extLength; k++)
        {
            int c = k % C;
            ext[k] = Unsafe.Add(ref mr, c); ext[extLength + k] = Unsafe.Add(ref ar, c); ext[2 * extLength + k] = Unsafe.Add(ref sr, c);
        }
        fixed (float* x0 = &Unsafe.Add(ref xr, (nint)off), y0 = &Unsafe.Add(ref yr, (nint)off), e = ext)
        {
            float* em = e, ea = e + extLength, es = e + 2 * extLength;
            long head = Math.Min(total, (32 - (long)((nuint)y0 & 31)) / sizeof(float) & 7);
            // Scalar math: y = (x - mh[c]) * a[c] + sh[c], c = j mod C
            for (long j = 0; j < head; j++)
            {
                int c = (int)(j % C);
                y0[j] = MathF.FusedMultiplyAdd(x0[j] - em[c], ea[c], es[c]);
            }
            long j0 = head;
            int c0 = (int)(head % C);
            for (; j0 + 8 <= total; j0 += 8)
            {
                var v = Fma.MultiplyAdd(Avx.Subtract(Avx.LoadVector256(x0 + j0), Avx.LoadVector256(em + c0)), Avx.LoadVector256(ea + c0), Avx.LoadVector256(es + c0));
                Avx.StoreAlignedNonTemporal(y0 + j0, v);
                c0 += 8;
                while (c0 >= C) c0 -= C;
            }
            for (long j = j0; j < total; j++)
            {
                int c = (int)(j % C);
                y0[j] = MathF.FusedMultiplyAdd(x0[j] - em[c], ea[c], es[c]);
            }
        }
    }

    /// <summary>Copies <paramref name="count"/> floats from <paramref name="src"/> (a tile in cache) to
    /// <paramref name="dst"/> with streaming stores: unaligned head and tail, aligned body. With
    /// <paramref name="wholeLinesOnly"/> it stops at the last 64-byte boundary of the destination; returns the
    /// number of floats copied.</summary>
    private static unsafe int Copy(ref float src, ref float dst, int count, bool wholeLinesOnly)
    {
        fixed (float* s = &src, d = &dst)
        {
            int end = wholeLinesOnly ? Math.Max(0, count - (int)(((nuint)(d + count) & 63) / sizeof(float))) : count;
            int head = (int)Math.Min(end, (32 - (long)((nuint)d & 31)) / sizeof(float) & 7), j = 0;
            for (; j < head; j++) d[j] = s[j];
            for (; j + 8 <= end; j += 8) Avx.StoreAlignedNonTemporal(d + j, Avx.LoadVector256(s + j));
            for (; j < end; j++) d[j] = s[j];
            return end;
        }
    }

    /// <summary>
    /// Streams the <paramref name="filled"/> floats at the start of <paramref name="staging"/> to
    /// <paramref name="dst"/>, where they belong, in whole cache lines unless <paramref name="last"/>; the
    /// floats past the last line boundary move to the start of staging, and their count is returned:
    /// the caller puts its next chunk after them. Writing chunk by chunk with the boundary lines split
    /// between an ordinary store and a streaming one cost an LN forward on (32, 28, 28, 64) with a fresh
    /// output 1.9 ms against 1.0 ms with ordinary stores only (chunks of 2 KB).
    /// </summary>
    internal static int CopyStaged(float[] staging, int filled, ref float dst, bool last)
    {
        int written = Copy(ref staging[0], ref dst, filled, wholeLinesOnly: !last);
        staging.AsSpan(written, filled - written).CopyTo(staging);
        return filled - written;
    }

    /// <summary>Streaming stores are weakly ordered: a kernel calls this once when its streamed writes
    /// are done, before another thread may read them (once, since each fence waits for the writes to
    /// drain).</summary>
    internal static void Fence()
    {
        if (Sse.IsSupported) Sse.StoreFence();
    }
}

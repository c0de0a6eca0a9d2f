using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NormLab.Kernels;

/// <summary>
/// Single-precision matrix multiply, C = op(A)·op(B) (+ C), in the BLIS/GotoBLAS layout:
/// op(B) is packed into KC×NR column panels, op(A) into MC×KC blocks of MR-row panels, and a
/// 6×16 register-tiled FMA micro-kernel runs over the packed panels.
/// </summary>
/// <remarks>
/// Block sizes target AVX2 cores with 32 KiB L1d and 512 KiB+ L2: one KC×NR panel of B (16 KiB)
/// stays in L1 while the MC×KC block of A (120 KiB) streams from L2. Packing makes every
/// transpose combination run the same micro-kernel, and zero-pads the MR/NR tails.
/// </remarks>
internal static class Gemm
{
    /// <summary>Rows of C per micro-tile: 6 rows × 2 vectors = 12 accumulators, leaving 4 of the 16 ymm registers for operands.</summary>
    private const int MR = 6;

    /// <summary>Columns of C per micro-tile (two Vector256&lt;float&gt;).</summary>
    private const int NR = 16;

    /// <summary>Depth of one packed panel; KC·NR floats of B fit L1.</summary>
    private const int KC = 256;

    /// <summary>Rows of A packed at once; MC·KC floats fit L2.</summary>
    private const int MC = 120;

    /// <summary>Columns of B packed at once; KC·NC floats fit the shared L3.</summary>
    private const int NC = 4096;

    /// <summary>
    /// Widest column block whose A block is read in place instead of packed: with few NR panels
    /// the packing of A is reused too rarely to pay for itself (the im2col GEMMs of convolution).
    /// </summary>
    private const int DirectAMaxColumns = 128;

    /// <summary>Below this many multiply-adds (m·n·k) one thread is faster than waking others.</summary>
    internal const long ParallelThreshold = 64L * 64 * 64;

    /// <summary>
    /// C = op(A)·op(B), or C += op(A)·op(B) when <paramref name="accumulate"/>. Row-major, contiguous.
    /// op(A) is m×k: A is stored m×k, or k×m when <paramref name="transA"/>.
    /// op(B) is k×n: B is stored k×n, or n×k when <paramref name="transB"/>. C is m×n.
    /// Uses up to <see cref="KernelThreads.Max"/> threads when m·n·k exceeds <see cref="ParallelThreshold"/>.
    /// </summary>
    /// <example><code>Gemm.Multiply(x, w, y, batch, units, features); // y = x·w</code></example>
    internal static void Multiply(float[] a, float[] b, float[] c, int m, int n, int k,
        bool transA = false, bool transB = false, bool accumulate = false,
        int aOffset = 0, int bOffset = 0, int cOffset = 0)
        => Run(a, b, c, m, n, k, transA, transB, accumulate, aOffset, bOffset, cOffset, KernelThreads.Max);

    /// <summary>
    /// Same as <see cref="Multiply"/> but always on the calling thread; for callers that already
    /// parallelize over independent problems (e.g. convolution over image chunks).
    /// </summary>
    internal static void MultiplySingleThreaded(float[] a, float[] b, float[] c, int m, int n, int k,
        bool transA = false, bool transB = false, bool accumulate = false,
        int aOffset = 0, int bOffset = 0, int cOffset = 0)
        => Run(a, b, c, m, n, k, transA, transB, accumulate, aOffset, bOffset, cOffset, 1);

    private static void Run(float[] a, float[] b, float[] c, int m, int n, int k,
        bool transA, bool transB, bool accumulate, int aOffset, int bOffset, int cOffset, int threads)
    {
        Debug.Assert(m >= 0 && n >= 0 && k >= 0);
        Debug.Assert(aOffset >= 0 && (long)aOffset + (long)m * k <= a.Length);
        Debug.Assert(bOffset >= 0 && (long)bOffset + (long)k * n <= b.Length);
        Debug.Assert(cOffset >= 0 && (long)cOffset + (long)m * n <= c.Length);
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            // An empty sum: C = 0, or C unchanged when accumulating.
            if (!accumulate) Array.Clear(c, cOffset, m * n);
            return;
        }
        if (m == 1)
        {
            // A vector times a matrix: MR-row packing would waste 5/6 of the micro-kernel.
            RowTimesMatrix(a, b, c, n, k, transB, accumulate, aOffset, bOffset, cOffset);
            return;
        }

        var p = new Problem(a, b, c, m, n, k, transA, transB, accumulate, aOffset, bOffset, cOffset);
        long work = (long)m * n * k;
        int tasks = work > ParallelThreshold ? Math.Max(1, threads) : 1;
        // Split C along its longer side, in whole micro-tiles, one block per thread: each block
        // packs its own panels, so there are no barriers, only a little repeated packing.
        bool splitColumns = n >= m;
        int tiles = splitColumns ? (n + NR - 1) / NR : (m + MR - 1) / MR;
        tasks = Math.Min(tasks, tiles);
        if (tasks <= 1)
        {
            Block(in p, 0, m, 0, n);
            return;
        }
        ForkJoin.Run(tasks, t =>
        {
            int first = (int)((long)tiles * t / tasks), last = (int)((long)tiles * (t + 1) / tasks);
            if (splitColumns) Block(in p, 0, m, first * NR, Math.Min(n, last * NR));
            else Block(in p, first * MR, Math.Min(m, last * MR), 0, n);
        });
    }

    /// <summary>The operands of one call, passed by reference to the per-thread blocks.</summary>
    private readonly record struct Problem(float[] A, float[] B, float[] C, int M, int N, int K,
        bool TransA, bool TransB, bool Accumulate, int AOffset, int BOffset, int COffset);

    /// <summary>Computes rows [i0, i1) × columns [j0, j1) of C on the calling thread.</summary>
    private static unsafe void Block(in Problem p, int i0, int i1, int j0, int j1)
    {
        int rows = i1 - i0, cols = j1 - j0;
        int kcMax = Math.Min(KC, p.K);
        int ncMax = Math.Min(NC, RoundUp(cols, NR));
        int mcMax = Math.Min(MC, RoundUp(rows, MR));
        // The direct-A path needs two MR panels of scratch even for tiny blocks.
        float[] bufA = ArrayPool<float>.Shared.Rent(kcMax * Math.Max(mcMax, 2 * MR));
        float[] bufB = ArrayPool<float>.Shared.Rent(kcMax * ncMax);
        try
        {
            fixed (float* a = p.A, b = p.B, c = p.C, packA = bufA, packB = bufB)
            {
                float* aBase = a + p.AOffset, bBase = b + p.BOffset, cBase = c + p.COffset;
                for (int jc = j0; jc < j1; jc += NC)
                {
                    int nc = Math.Min(NC, j1 - jc);
                    for (int pc = 0; pc < p.K; pc += KC)
                    {
                        int kc = Math.Min(KC, p.K - pc);
                        // Only the first depth block may overwrite C; later ones add to it.
                        bool addToC = p.Accumulate || pc > 0;
                        PackB(bBase, p.TransB, p.N, p.K, pc, kc, jc, nc, packB);
                        for (int ic = i0; ic < i1; ic += MC)
                        {
                            int mc = Math.Min(MC, i1 - ic);
                            float* cBlock = cBase + (long)ic * p.N + jc;
                            if (nc <= DirectAMaxColumns)
                            {
                                // Element (i, p) of op(A) sits at i·rowStride + p·depthStride.
                                long rowStride = p.TransA ? 1 : p.K, depthStride = p.TransA ? p.M : 1;
                                float* aBlock = aBase + ic * rowStride + pc * depthStride;
                                DirectMacroKernel(mc, nc, kc, aBlock, (nint)rowStride, (nint)depthStride, packA, packB, cBlock, p.N, addToC);
                                continue;
                            }
                            PackA(aBase, p.TransA, p.M, p.K, ic, mc, pc, kc, packA);
                            MacroKernel(mc, nc, kc, packA, packB, cBlock, p.N, addToC);
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(bufA);
            ArrayPool<float>.Shared.Return(bufB);
        }
    }

    /// <summary>Runs the micro-kernel over every MR×NR tile of one packed mc×nc block.</summary>
    private static unsafe void MacroKernel(int mc, int nc, int kc, float* packA, float* packB, float* c, int ldc, bool addToC)
    {
        float* edge = stackalloc float[MR * NR];
        for (int jr = 0; jr < nc; jr += NR)
        {
            int nr = Math.Min(NR, nc - jr);
            float* panelB = packB + (long)jr * kc;
            for (int ir = 0; ir < mc; ir += MR)
            {
                int mr = Math.Min(MR, mc - ir);
                float* panelA = packA + (long)ir * kc;
                float* tile = c + (long)ir * ldc + jr;
                if (mr == MR && nr == NR)
                {
                    MicroKernel(kc, panelA, panelB, tile, ldc, addToC);
                    continue;
                }
                // Tail tile: compute the full zero-padded tile aside, then write the valid part.
                MicroKernel(kc, panelA, panelB, edge, NR, false);
                for (int i = 0; i < mr; i++)
                {
                    float* src = edge + i * NR, dst = tile + (long)i * ldc;
                    if (addToC) for (int j = 0; j < nr; j++) dst[j] += src[j];
                    else for (int j = 0; j < nr; j++) dst[j] = src[j];
                }
            }
        }
    }

    /// <summary>
    /// <see cref="MacroKernel"/> reading full MR-row panels of A in place; only a trailing partial
    /// panel is packed (into <paramref name="packA"/>) so no row past mc is read.
    /// </summary>
    private static unsafe void DirectMacroKernel(int mc, int nc, int kc, float* a, nint rowStride, nint depthStride,
        float* packA, float* packB, float* c, int ldc, bool addToC)
    {
        int fullRows = mc / MR * MR;
        if (fullRows < mc)
        {
            // Pack the row tail as panel 0 of packA and let the packed path handle its edge tiles.
            int tail = mc - fullRows;
            float* src = a + fullRows * rowStride;
            for (int p = 0; p < kc; p++)
                for (int i = 0; i < MR; i++)
                    packA[p * MR + i] = i < tail ? src[i * rowStride + p * depthStride] : 0f;
        }
        int doneColumns = nc / NR * NR;
        for (int jr = 0; jr < doneColumns; jr += NR)
        {
            float* panelB = packB + (long)jr * kc;
            for (int ir = 0; ir < fullRows; ir += MR)
                StridedMicroKernel(kc, a + ir * rowStride, rowStride, depthStride, panelB, c + (long)ir * ldc + jr, ldc, addToC);
        }
        if (doneColumns < nc)
        {
            // The column tail, over every row, through the packed path (small: fewer than NR columns).
            for (int ir = 0; ir < fullRows; ir += MR)
            {
                float* panel = packA + (long)MR * kc; // after the row-tail panel
                float* src = a + ir * rowStride;
                for (int p = 0; p < kc; p++)
                    for (int i = 0; i < MR; i++)
                        panel[p * MR + i] = src[i * rowStride + p * depthStride];
                MacroKernel(MR, nc - doneColumns, kc, panel, packB + (long)doneColumns * kc, c + (long)ir * ldc + doneColumns, ldc, addToC);
            }
        }
        if (fullRows < mc)
            MacroKernel(mc - fullRows, nc, kc, packA, packB, c + (long)fullRows * ldc, ldc, addToC);
    }

    /// <summary>
    /// The 6×16 register tile with A read in place: row i of the tile at depth p is
    /// a[i·rowStride + p·depthStride]. Same arithmetic as <see cref="MicroKernel"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void StridedMicroKernel(int kc, float* a, nint rowStride, nint depthStride, float* pb, float* c, int ldc, bool addToC)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        // Two base pointers, each with offsets 0, rowStride, 2·rowStride, cover the six rows.
        float* top = a, bottom = a + 3 * rowStride;
        nint twoRows = 2 * rowStride;
        // Scalar math: c[i, j] += a[i, p] * b[p, j] for i < 6, j < 16, p < kc.
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(pb), b1 = Vector256.Load(pb + 8);
            Vector256<float> ai = Broadcast(top);
            c00 = MulAdd(ai, b0, c00); c01 = MulAdd(ai, b1, c01);
            ai = Broadcast(top + rowStride);
            c10 = MulAdd(ai, b0, c10); c11 = MulAdd(ai, b1, c11);
            ai = Broadcast(top + twoRows);
            c20 = MulAdd(ai, b0, c20); c21 = MulAdd(ai, b1, c21);
            ai = Broadcast(bottom);
            c30 = MulAdd(ai, b0, c30); c31 = MulAdd(ai, b1, c31);
            ai = Broadcast(bottom + rowStride);
            c40 = MulAdd(ai, b0, c40); c41 = MulAdd(ai, b1, c41);
            ai = Broadcast(bottom + twoRows);
            c50 = MulAdd(ai, b0, c50); c51 = MulAdd(ai, b1, c51);
            top += depthStride;
            bottom += depthStride;
            pb += NR;
        }
        StoreRow(c, c00, c01, addToC);
        StoreRow(c + ldc, c10, c11, addToC);
        StoreRow(c + 2 * ldc, c20, c21, addToC);
        StoreRow(c + 3 * ldc, c30, c31, addToC);
        StoreRow(c + 4 * ldc, c40, c41, addToC);
        StoreRow(c + 5 * ldc, c50, c51, addToC);
    }

    /// <summary>
    /// The 6×16 register tile: C[0..6, 0..16] (+)= Σ_p A[p, 0..6] ⊗ B[p, 0..16] over kc packed steps.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MicroKernel(int kc, float* pa, float* pb, float* c, int ldc, bool addToC)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        // Scalar math: c[i, j] += a[p, i] * b[p, j] for i < 6, j < 16, p < kc.
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(pb), b1 = Vector256.Load(pb + 8);
            Vector256<float> ai = Broadcast(pa);
            c00 = MulAdd(ai, b0, c00); c01 = MulAdd(ai, b1, c01);
            ai = Broadcast(pa + 1);
            c10 = MulAdd(ai, b0, c10); c11 = MulAdd(ai, b1, c11);
            ai = Broadcast(pa + 2);
            c20 = MulAdd(ai, b0, c20); c21 = MulAdd(ai, b1, c21);
            ai = Broadcast(pa + 3);
            c30 = MulAdd(ai, b0, c30); c31 = MulAdd(ai, b1, c31);
            ai = Broadcast(pa + 4);
            c40 = MulAdd(ai, b0, c40); c41 = MulAdd(ai, b1, c41);
            ai = Broadcast(pa + 5);
            c50 = MulAdd(ai, b0, c50); c51 = MulAdd(ai, b1, c51);
            pa += MR;
            pb += NR;
        }
        StoreRow(c, c00, c01, addToC);
        StoreRow(c + ldc, c10, c11, addToC);
        StoreRow(c + 2 * ldc, c20, c21, addToC);
        StoreRow(c + 3 * ldc, c30, c31, addToC);
        StoreRow(c + 4 * ldc, c40, c41, addToC);
        StoreRow(c + 5 * ldc, c50, c51, addToC);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow(float* c, Vector256<float> lo, Vector256<float> hi, bool addToC)
    {
        if (addToC)
        {
            lo += Vector256.Load(c);
            hi += Vector256.Load(c + 8);
        }
        lo.Store(c);
        hi.Store(c + 8);
    }

    /// <summary>a·b + c, fused when the CPU has FMA (the JIT folds the branch away).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c)
        => Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> Broadcast(float* p)
        => Avx.IsSupported ? Avx.BroadcastScalarToVector256(p) : Vector256.Create(*p);

    /// <summary>
    /// Packs op(A)[ic..ic+mc, pc..pc+kc] as MR-row panels, each stored step by step (MR values per
    /// depth step), with rows past mc zero-filled.
    /// </summary>
    private static unsafe void PackA(float* a, bool transA, int m, int k, int ic, int mc, int pc, int kc, float* dst)
    {
        for (int ir = 0; ir < mc; ir += MR)
        {
            int mr = Math.Min(MR, mc - ir);
            int row0 = ic + ir;
            if (transA)
            {
                // A is k×m: the MR rows of op(A) at one depth are contiguous.
                float* src = a + (long)pc * m + row0;
                for (int p = 0; p < kc; p++, src += m, dst += MR)
                {
                    int i = 0;
                    for (; i < mr; i++) dst[i] = src[i];
                    for (; i < MR; i++) dst[i] = 0f;
                }
            }
            else
            {
                // A is m×k: walk MR rows side by side.
                float* src = a + (long)row0 * k + pc;
                if (mr == MR)
                {
                    float* r0 = src, r1 = src + k, r2 = src + 2L * k, r3 = src + 3L * k, r4 = src + 4L * k, r5 = src + 5L * k;
                    for (int p = 0; p < kc; p++, dst += MR)
                    {
                        dst[0] = r0[p]; dst[1] = r1[p]; dst[2] = r2[p];
                        dst[3] = r3[p]; dst[4] = r4[p]; dst[5] = r5[p];
                    }
                }
                else
                {
                    for (int p = 0; p < kc; p++, dst += MR)
                    {
                        int i = 0;
                        for (; i < mr; i++) dst[i] = src[(long)i * k + p];
                        for (; i < MR; i++) dst[i] = 0f;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Packs op(B)[pc..pc+kc, jc..jc+nc] as NR-column panels, each stored step by step (NR values
    /// per depth step), with columns past nc zero-filled.
    /// </summary>
    private static unsafe void PackB(float* b, bool transB, int n, int k, int pc, int kc, int jc, int nc, float* dst)
    {
        for (int jr = 0; jr < nc; jr += NR)
        {
            int nr = Math.Min(NR, nc - jr);
            int col0 = jc + jr;
            if (!transB)
            {
                // B is k×n: one depth step of a panel is NR contiguous floats.
                float* src = b + (long)pc * n + col0;
                if (nr == NR)
                {
                    // Scalar math: dst[p, j] = b[pc + p, col0 + j] for j < 16.
                    for (int p = 0; p < kc; p++, src += n, dst += NR)
                    {
                        Vector256.Load(src).Store(dst);
                        Vector256.Load(src + 8).Store(dst + 8);
                    }
                }
                else
                {
                    for (int p = 0; p < kc; p++, src += n, dst += NR)
                    {
                        int j = 0;
                        for (; j < nr; j++) dst[j] = src[j];
                        for (; j < NR; j++) dst[j] = 0f;
                    }
                }
            }
            else
            {
                // B is n×k: each column of op(B) is a contiguous row of B; read along it.
                for (int j = 0; j < NR; j++)
                {
                    float* d = dst + j;
                    if (j < nr)
                    {
                        float* src = b + (long)(col0 + j) * k + pc;
                        for (int p = 0; p < kc; p++) d[p * NR] = src[p];
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++) d[p * NR] = 0f;
                    }
                }
                dst += (long)kc * NR;
            }
        }
    }

    /// <summary>c[0, j] (+)= Σ_p a[p]·op(B)[p, j]: the m = 1 case, where A is contiguous whatever transA says.</summary>
    private static unsafe void RowTimesMatrix(float[] aArr, float[] bArr, float[] cArr, int n, int k,
        bool transB, bool accumulate, int aOffset, int bOffset, int cOffset)
    {
        fixed (float* a0 = aArr, b0 = bArr, c0 = cArr)
        {
            float* a = a0 + aOffset, b = b0 + bOffset, c = c0 + cOffset;
            if (transB)
            {
                // B is n×k: each output is a dot product with a contiguous row.
                for (int j = 0; j < n; j++)
                {
                    float dot = Dot(a, b + (long)j * k, k);
                    c[j] = accumulate ? c[j] + dot : dot;
                }
                return;
            }
            if (!accumulate) new Span<float>(c, n).Clear();
            // B is k×n: add a[p] times row p of B into c, one row at a time.
            for (int p = 0; p < k; p++)
            {
                float ap = a[p];
                float* row = b + (long)p * n;
                int j = 0;
                var av = Vector256.Create(ap);
                // Scalar math: c[j] += a[p] * b[p, j].
                for (; j <= n - 8; j += 8) MulAdd(av, Vector256.Load(row + j), Vector256.Load(c + j)).Store(c + j);
                for (; j < n; j++) c[j] += ap * row[j];
            }
        }
    }

    /// <summary>Σ x[i]·y[i] with four vector accumulators to hide FMA latency.</summary>
    private static unsafe float Dot(float* x, float* y, int len)
    {
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        int i = 0;
        // Scalar math: s += x[i] * y[i].
        for (; i <= len - 32; i += 32)
        {
            s0 = MulAdd(Vector256.Load(x + i), Vector256.Load(y + i), s0);
            s1 = MulAdd(Vector256.Load(x + i + 8), Vector256.Load(y + i + 8), s1);
            s2 = MulAdd(Vector256.Load(x + i + 16), Vector256.Load(y + i + 16), s2);
            s3 = MulAdd(Vector256.Load(x + i + 24), Vector256.Load(y + i + 24), s3);
        }
        for (; i <= len - 8; i += 8) s0 = MulAdd(Vector256.Load(x + i), Vector256.Load(y + i), s0);
        float sum = Vector256.Sum((s0 + s1) + (s2 + s3));
        for (; i < len; i++) sum += x[i] * y[i];
        return sum;
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;
}

using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NormLab.Kernels;

/// <summary>
/// NHWC 2-D convolution (Keras layout: kernel is (KH, KW, InC, OutC) row-major) as im2col + GEMM:
/// y[pixels, OutC] = cols[pixels, KH·KW·InC] · kernel[KH·KW·InC, OutC].
/// </summary>
/// <remarks>
/// Output pixels are processed in chunks of a bounded im2col buffer (pooled scratch). When there
/// are enough pixels, each thread takes a contiguous range of them and runs single-threaded GEMMs,
/// so the chunk it just unfolded is still in its own cache; otherwise one chunk at a time uses the
/// threaded GEMM. 1×1 stride-1 unpadded convolutions skip im2col entirely.
/// </remarks>
internal static class Conv2DKernel
{
    /// <summary>Floats per im2col chunk: 512 KiB, about one core's L2.</summary>
    private const int ColsBudget = 128 * 1024;

    /// <summary>Fewest output pixels worth giving a thread its own range.</summary>
    private const int MinPixelsPerWorker = 64;

    /// <summary>
    /// y = conv(x, kernel) + bias, then max(y, 0) when <paramref name="relu"/> is set (applied to each chunk
    /// while it is still in cache). x is (B, InH, InW, InC), y is (B, OutH, OutW, OutC) and is overwritten.
    /// </summary>
    internal static void Forward(in Conv2DGeometry g, float[] x, float[] kernel, float[]? bias, float[] y, bool relu = false)
    {
        Debug.Assert(x.Length >= g.InputLength && kernel.Length >= g.KernelLength && y.Length >= g.OutputLength);
        Debug.Assert(bias is null || bias.Length >= g.OutC);
        int pixels = g.OutputPixels, outC = g.OutC;
        if (pixels == 0) return;
        if (g.IsPointwise)
        {
            FillBias(y, 0, pixels, bias, outC);
            Gemm.Multiply(x, kernel, y, pixels, outC, g.InC, accumulate: bias is not null);
            if (relu) Relu(y, 0, pixels * outC);
            return;
        }

        var geo = g;
        int patch = g.PatchSize;
        int workers = PixelWorkers(pixels, (long)pixels * patch * outC);
        int chunk = ChunkRows(patch, pixels, workers);
        ForEachRange(pixels, workers, (_, start, end) =>
        {
            float[] cols = ArrayPool<float>.Shared.Rent(chunk * patch);
            try
            {
                for (int r0 = start; r0 < end; r0 += chunk)
                {
                    int rows = Math.Min(chunk, end - r0);
                    Im2Col(in geo, x, cols, r0, rows);
                    FillBias(y, r0, rows, bias, outC);
                    Multiply(workers, cols, kernel, y, rows, outC, patch, accumulate: bias is not null, cOffset: r0 * outC);
                    if (relu) Relu(y, r0 * outC, rows * outC);
                }
            }
            finally { ArrayPool<float>.Shared.Return(cols); }
        });
    }

    /// <summary>
    /// dx = convᵀ(dy, kernel): the gradient with respect to the input. dy is (B, OutH, OutW, OutC);
    /// dx is (B, InH, InW, InC) and is overwritten. Computed as dcols = dy · kernelᵀ, then col2im.
    /// </summary>
    internal static void BackwardInput(in Conv2DGeometry g, float[] dy, float[] kernel, float[] dx)
    {
        Debug.Assert(dy.Length >= g.OutputLength && kernel.Length >= g.KernelLength && dx.Length >= g.InputLength);
        int pixels = g.OutputPixels, outC = g.OutC;
        if (g.IsPointwise)
        {
            Gemm.Multiply(dy, kernel, dx, pixels, g.InC, outC, transB: true);
            return;
        }
        Array.Clear(dx, 0, (int)g.InputLength);
        if (pixels == 0) return;

        var geo = g;
        int patch = g.PatchSize, imagePixels = g.OutH * g.OutW;
        // col2im adds overlapping patches into dx, so threads split whole images, never pixels of one image.
        long work = (long)pixels * patch * outC;
        int workers = work > Gemm.ParallelThreshold ? Math.Min(KernelThreads.Max, g.Batch) : 1;
        int chunk = ChunkRows(patch, imagePixels * Math.Max(1, g.Batch / workers), 1);
        ForEachRange(g.Batch, workers, (_, firstImage, endImage) =>
        {
            float[] dcols = ArrayPool<float>.Shared.Rent(chunk * patch);
            try
            {
                int end = endImage * imagePixels;
                for (int r0 = firstImage * imagePixels; r0 < end; r0 += chunk)
                {
                    int rows = Math.Min(chunk, end - r0);
                    Multiply(workers, dy, kernel, dcols, rows, patch, outC, transB: true, aOffset: r0 * outC);
                    Col2Im(in geo, dcols, dx, r0, rows);
                }
            }
            finally { ArrayPool<float>.Shared.Return(dcols); }
        });
    }

    /// <summary>
    /// dKernel = Σ over pixels of colsᵀ · dy: the gradient with respect to the kernel, (KH, KW, InC, OutC),
    /// overwritten. The bias gradient (Σ dy) is left to the caller.
    /// </summary>
    internal static void BackwardKernel(in Conv2DGeometry g, float[] x, float[] dy, float[] dKernel)
    {
        Debug.Assert(x.Length >= g.InputLength && dy.Length >= g.OutputLength && dKernel.Length >= g.KernelLength);
        int pixels = g.OutputPixels, outC = g.OutC, patch = g.PatchSize;
        if (g.IsPointwise)
        {
            Gemm.Multiply(x, dy, dKernel, g.InC, outC, pixels, transA: true);
            return;
        }
        int kernelLength = (int)g.KernelLength;
        if (pixels == 0)
        {
            Array.Clear(dKernel, 0, kernelLength);
            return;
        }

        var geo = g;
        int workers = PixelWorkers(pixels, (long)pixels * patch * outC);
        int chunk = ChunkRows(patch, pixels, workers);
        // Each extra thread sums into its own partial kernel gradient; they are added once at the end.
        var partials = new float[workers][];
        partials[0] = dKernel;
        for (int w = 1; w < workers; w++) partials[w] = ArrayPool<float>.Shared.Rent(kernelLength);
        try
        {
            ForEachRange(pixels, workers, (w, start, end) =>
            {
                float[] cols = ArrayPool<float>.Shared.Rent(chunk * patch);
                try
                {
                    for (int r0 = start; r0 < end; r0 += chunk)
                    {
                        int rows = Math.Min(chunk, end - r0);
                        Im2Col(in geo, x, cols, r0, rows);
                        Multiply(workers, cols, dy, partials[w], patch, outC, rows,
                            transA: true, accumulate: r0 > start, bOffset: r0 * outC);
                    }
                }
                finally { ArrayPool<float>.Shared.Return(cols); }
            });
            for (int w = 1; w < workers; w++) AddInto(dKernel, partials[w], kernelLength);
        }
        finally
        {
            for (int w = 1; w < workers; w++) ArrayPool<float>.Shared.Return(partials[w]);
        }
    }

    /// <summary>
    /// Threads to give pixel ranges: one per core when every thread gets enough pixels, else 1
    /// (and then the GEMM itself may thread).
    /// </summary>
    private static int PixelWorkers(int pixels, long multiplyAdds)
    {
        if (multiplyAdds <= Gemm.ParallelThreshold) return 1;
        return Math.Clamp(pixels / MinPixelsPerWorker, 1, KernelThreads.Max);
    }

    /// <summary>Rows per im2col chunk: as many as fit <see cref="ColsBudget"/>, at least one, at most a worker's share.</summary>
    private static int ChunkRows(int patch, int pixels, int workers)
    {
        int share = (pixels + workers - 1) / workers;
        return Math.Clamp(ColsBudget / patch, 1, Math.Max(1, share));
    }

    /// <summary>Splits [0, total) into <paramref name="workers"/> contiguous ranges and runs them in parallel.</summary>
    private static void ForEachRange(int total, int workers, Action<int, int, int> body)
    {
        if (workers <= 1)
        {
            body(0, 0, total);
            return;
        }
        ForkJoin.Run(workers,
            w => body(w, (int)((long)total * w / workers), (int)((long)total * (w + 1) / workers)));
    }

    /// <summary>The GEMM for one chunk: single-threaded when the chunks themselves run in parallel.</summary>
    private static void Multiply(int workers, float[] a, float[] b, float[] c, int m, int n, int k,
        bool transA = false, bool transB = false, bool accumulate = false, int aOffset = 0, int bOffset = 0, int cOffset = 0)
    {
        if (workers > 1) Gemm.MultiplySingleThreaded(a, b, c, m, n, k, transA, transB, accumulate, aOffset, bOffset, cOffset);
        else Gemm.Multiply(a, b, c, m, n, k, transA, transB, accumulate, aOffset, bOffset, cOffset);
    }

    /// <summary>y = max(y, 0) over [start, start + length), NaN kept as Ops.Relu keeps it.</summary>
    private static void Relu(float[] y, int start, int length)
    {
        var span = y.AsSpan(start, length);
        System.Numerics.Tensors.TensorPrimitives.Max(span, 0f, span);
    }

    /// <summary>Writes the bias into each of rows [r0, r0 + rows) of y so the GEMM can accumulate onto it.</summary>
    private static void FillBias(float[] y, int r0, int rows, float[]? bias, int outC)
    {
        if (bias is null) return;
        var b = bias.AsSpan(0, outC);
        for (int r = 0; r < rows; r++) b.CopyTo(y.AsSpan((r0 + r) * outC, outC));
    }

    /// <summary>
    /// Unfolds output pixels [r0, r0 + rows) (flat over batch, OutH, OutW) into rows of cols: row r holds
    /// the (kh, kw, cin) patch that output pixel sees, with zeros where the patch hangs over the padding.
    /// </summary>
    private static unsafe void Im2Col(in Conv2DGeometry g, float[] xArr, float[] colsArr, int r0, int rows)
    {
        int inC = g.InC, inW = g.InW, inH = g.InH, kw = g.KernelW;
        int patch = g.PatchSize, rowSpan = kw * inC;
        int ow = r0 % g.OutW, oh = r0 / g.OutW % g.OutH, b = r0 / (g.OutW * g.OutH);
        fixed (float* x = xArr, cols = colsArr)
        {
            for (int r = 0; r < rows; r++)
            {
                float* dst = cols + (long)r * patch;
                float* image = x + (long)b * inH * inW * inC;
                int ih0 = oh * g.StrideH - g.PadTop, iw0 = ow * g.StrideW - g.PadLeft;
                // With no dilation a kernel row is one contiguous run of the input row when fully inside it.
                bool wholeRow = g.DilationW == 1 && iw0 >= 0 && iw0 + kw <= inW;
                for (int kh = 0; kh < g.KernelH; kh++, dst += rowSpan)
                {
                    int ih = ih0 + kh * g.DilationH;
                    if ((uint)ih >= (uint)inH)
                    {
                        new Span<float>(dst, rowSpan).Clear();
                        continue;
                    }
                    float* src = image + (long)ih * inW * inC;
                    if (wholeRow)
                    {
                        Copy(src + (long)iw0 * inC, dst, rowSpan);
                        continue;
                    }
                    for (int j = 0; j < kw; j++)
                    {
                        int iw = iw0 + j * g.DilationW;
                        if ((uint)iw >= (uint)inW) new Span<float>(dst + j * inC, inC).Clear();
                        else Copy(src + (long)iw * inC, dst + j * inC, inC);
                    }
                }
                if (++ow == g.OutW)
                {
                    ow = 0;
                    if (++oh == g.OutH) { oh = 0; b++; }
                }
            }
        }
    }

    /// <summary>
    /// The adjoint of <see cref="Im2Col"/>: adds each row of dcols back onto the input positions its
    /// patch came from (padding positions are dropped). dx must already be zeroed or hold a partial sum.
    /// </summary>
    private static unsafe void Col2Im(in Conv2DGeometry g, float[] dcolsArr, float[] dxArr, int r0, int rows)
    {
        int inC = g.InC, inW = g.InW, inH = g.InH, kw = g.KernelW;
        int patch = g.PatchSize, rowSpan = kw * inC;
        int ow = r0 % g.OutW, oh = r0 / g.OutW % g.OutH, b = r0 / (g.OutW * g.OutH);
        fixed (float* dx = dxArr, dcols = dcolsArr)
        {
            for (int r = 0; r < rows; r++)
            {
                float* src = dcols + (long)r * patch;
                float* image = dx + (long)b * inH * inW * inC;
                int ih0 = oh * g.StrideH - g.PadTop, iw0 = ow * g.StrideW - g.PadLeft;
                bool wholeRow = g.DilationW == 1 && iw0 >= 0 && iw0 + kw <= inW;
                for (int kh = 0; kh < g.KernelH; kh++, src += rowSpan)
                {
                    int ih = ih0 + kh * g.DilationH;
                    if ((uint)ih >= (uint)inH) continue;
                    float* dst = image + (long)ih * inW * inC;
                    if (wholeRow)
                    {
                        AddInto(dst + (long)iw0 * inC, src, rowSpan);
                        continue;
                    }
                    for (int j = 0; j < kw; j++)
                    {
                        int iw = iw0 + j * g.DilationW;
                        if ((uint)iw < (uint)inW) AddInto(dst + (long)iw * inC, src + j * inC, inC);
                    }
                }
                if (++ow == g.OutW)
                {
                    ow = 0;
                    if (++oh == g.OutH) { oh = 0; b++; }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Copy(float* src, float* dst, int length)
    {
        if (length == 1) *dst = *src;
        else new ReadOnlySpan<float>(src, length).CopyTo(new Span<float>(dst, length));
    }

    private static unsafe void AddInto(float[] dst, float[] src, int length)
    {
        fixed (float* d = dst, s = src) AddInto(d, s, length);
    }

    /// <summary>dst[i] += src[i] for i &lt; length.</summary>
    private static unsafe void AddInto(float* dst, float* src, int length)
    {
        int i = 0;
        // Scalar math: dst[i] += src[i].
        for (; i <= length - 8; i += 8) (Vector256.Load(dst + i) + Vector256.Load(src + i)).Store(dst + i);
        for (; i < length; i++) dst[i] += src[i];
    }
}

using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NormLab.Kernels;

/// <summary>
/// NHWC depthwise 2-D convolution with one filter per channel: kernel (KH, KW, C) row-major,
/// y[b, oh, ow, c] = bias[c] + Σ over taps of x[b, oh·sh - padTop + kh·dh, ow·sw - padLeft + kw·dw, c] · kernel[kh, kw, c].
/// Channels are the contiguous innermost axis, so every tap is one vector multiply-add over C.
/// A channel multiplier above 1 is handled by the caller (input channels repeated first).
/// </summary>
/// <remarks>
/// The geometry is a <see cref="Conv2DGeometry"/> whose InC and OutC are both C (its kernel length does not apply).
/// Forward and the kernel gradient split output rows over threads; the input gradient scatters into
/// overlapping input rows, so its threads split whole images.
/// </remarks>
internal static class DepthwiseConv2DKernel
{
    /// <summary>Multiply-adds below which one thread is faster than waking others.</summary>
    private const long ParallelWork = 1 << 16;

    /// <summary>y = depthwise(x, kernel) + bias; y (B, OutH, OutW, C) is overwritten.</summary>
    internal static void Forward(in Conv2DGeometry g, float[] x, float[] kernel, float[]? bias, float[] y)
    {
        Debug.Assert(g.InC == g.OutC && x.Length >= g.InputLength && y.Length >= g.OutputLength && kernel.Length >= g.KernelH * g.KernelW * g.InC);
        var geo = g;
        int rows = g.Batch * g.OutH, c = g.InC, rowLength = g.OutW * c;
        KernelThreads.ForRanges(rows, g.OutputLength * g.KernelH * g.KernelW, ParallelWork, (start, end) =>
        {
            for (int r = start; r < end; r++)
            {
                var yRow = y.AsSpan(r * rowLength, rowLength);
                if (bias is null) yRow.Clear();
                else for (int ow = 0; ow < geo.OutW; ow++) bias.AsSpan(0, c).CopyTo(yRow.Slice(ow * c, c));
                var tap = new ForwardTap(x, kernel, y, r * rowLength, c);
                ForEachTap(in geo, r, ref tap);
            }
        });
    }

    /// <summary>dx = the input gradient for dy (B, OutH, OutW, C); dx (B, InH, InW, C) is overwritten.</summary>
    internal static void BackwardInput(in Conv2DGeometry g, float[] dy, float[] kernel, float[] dx)
    {
        Debug.Assert(g.InC == g.OutC && dy.Length >= g.OutputLength && dx.Length >= g.InputLength);
        var geo = g;
        int c = g.InC, rowLength = g.OutW * c;
        long imageLength = (long)g.InH * g.InW * c;
        KernelThreads.ForRanges(g.Batch, g.OutputLength * g.KernelH * g.KernelW, ParallelWork, (first, end) =>
        {
            dx.AsSpan((int)(first * imageLength), (int)((end - first) * imageLength)).Clear();
            for (int r = first * geo.OutH; r < end * geo.OutH; r++)
            {
                var tap = new InputGradientTap(dy, kernel, dx, r * rowLength, c);
                ForEachTap(in geo, r, ref tap);
            }
        });
    }

    /// <summary>dKernel (KH, KW, C) = Σ over pixels of x · dy, overwritten; each thread sums its rows into its own partial.</summary>
    internal static void BackwardKernel(in Conv2DGeometry g, float[] x, float[] dy, float[] dKernel)
    {
        Debug.Assert(g.InC == g.OutC && x.Length >= g.InputLength && dy.Length >= g.OutputLength);
        var geo = g;
        int c = g.InC, rowLength = g.OutW * c, kernelLength = g.KernelH * g.KernelW * c, rows = g.Batch * g.OutH;
        int workers = g.OutputLength * g.KernelH * g.KernelW > ParallelWork ? Math.Clamp(Math.Min(KernelThreads.Max, rows), 1, 64) : 1;
        var partials = new float[workers][];
        for (int w = 0; w < workers; w++) partials[w] = ArrayPool<float>.Shared.Rent(kernelLength);
        try
        {
            void Sum(int w)
            {
                var partial = partials[w].AsSpan(0, kernelLength);
                partial.Clear();
                int start = (int)((long)rows * w / workers), end = (int)((long)rows * (w + 1) / workers);
                for (int r = start; r < end; r++)
                {
                    var tap = new KernelGradientTap(x, dy, partials[w], r * rowLength, c);
                    ForEachTap(in geo, r, ref tap);
                }
            }
            if (workers == 1) Sum(0);
            else ForkJoin.Run(workers, Sum);
            partials[0].AsSpan(0, kernelLength).CopyTo(dKernel);
            for (int w = 1; w < workers; w++)
                System.Numerics.Tensors.TensorPrimitives.Add(dKernel.AsSpan(0, kernelLength), partials[w].AsSpan(0, kernelLength), dKernel.AsSpan(0, kernelLength));
        }
        finally
        {
            foreach (var p in partials) ArrayPool<float>.Shared.Return(p);
        }
    }

    /// <summary>What to do for one (output pixel, kernel tap) pair: offsets of the input row and the kernel row, and the column pair.
    /// A struct, so that the JIT inlines it into the tap loop.</summary>
    private interface ITap
    {
        void Run(int imageRow, int kernelRow, int ow, int iw);
    }

    /// <summary>y[ow] += x[iw] · kernel[tap], for output row offset <c>outRow</c>.</summary>
    private readonly record struct ForwardTap(float[] X, float[] Kernel, float[] Y, int OutRow, int C) : ITap
    {
        public void Run(int imageRow, int kernelRow, int ow, int iw) =>
            MultiplyAdd(X.AsSpan(imageRow + iw * C, C), Kernel.AsSpan(kernelRow, C), Y.AsSpan(OutRow + ow * C, C));
    }

    /// <summary>dx[iw] += dy[ow] · kernel[tap].</summary>
    private readonly record struct InputGradientTap(float[] Dy, float[] Kernel, float[] Dx, int OutRow, int C) : ITap
    {
        public void Run(int imageRow, int kernelRow, int ow, int iw) =>
            MultiplyAdd(Dy.AsSpan(OutRow + ow * C, C), Kernel.AsSpan(kernelRow, C), Dx.AsSpan(imageRow + iw * C, C));
    }

    /// <summary>dKernel[tap] += x[iw] · dy[ow].</summary>
    private readonly record struct KernelGradientTap(float[] X, float[] Dy, float[] DKernel, int OutRow, int C) : ITap
    {
        public void Run(int imageRow, int kernelRow, int ow, int iw) =>
            MultiplyAdd(X.AsSpan(imageRow + iw * C, C), Dy.AsSpan(OutRow + ow * C, C), DKernel.AsSpan(kernelRow, C));
    }

    /// <summary>
    /// Calls <paramref name="action"/> for every tap of output row <paramref name="r"/> (flat over batch and OutH)
    /// that lands inside the input: imageRow is the offset of input row ih, kernelRow that of tap (kh, kw).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ForEachTap<T>(in Conv2DGeometry g, int r, ref T action) where T : struct, ITap
    {
        int b = r / g.OutH, oh = r % g.OutH, c = g.InC;
        for (int kh = 0; kh < g.KernelH; kh++)
        {
            int ih = oh * g.StrideH - g.PadTop + kh * g.DilationH;
            if ((uint)ih >= (uint)g.InH) continue;
            int imageRow = ((b * g.InH + ih) * g.InW) * c;
            for (int kw = 0; kw < g.KernelW; kw++)
            {
                int offset = kw * g.DilationW - g.PadLeft;
                // The columns whose input column iw = ow·sw + offset lies in [0, InW).
                int first = Math.Max(0, CeilDiv(-offset, g.StrideW));
                int end = Math.Min(g.OutW, CeilDiv(g.InW - offset, g.StrideW));
                int kernelRow = (kh * g.KernelW + kw) * c;
                for (int ow = first; ow < end; ow++) action.Run(imageRow, kernelRow, ow, ow * g.StrideW + offset);
            }
        }
    }

    /// <summary>⌈a / b⌉ for b &gt; 0 and any sign of a.</summary>
    private static int CeilDiv(int a, int b) => a >= 0 ? (a + b - 1) / b : -(-a / b);

    /// <summary>acc[i] += a[i] · b[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAdd(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> acc)
    {
        int i = 0;
        ref float ra = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(a);
        ref float rb = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(b);
        ref float rc = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(acc);
        // Scalar math: acc[i] = a[i] * b[i] + acc[i].
        for (; i <= acc.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref ra, (nuint)i), Vector256.LoadUnsafe(ref rb, (nuint)i), Vector256.LoadUnsafe(ref rc, (nuint)i))
                .StoreUnsafe(ref rc, (nuint)i);
        for (; i < acc.Length; i++) Unsafe.Add(ref rc, i) += Unsafe.Add(ref ra, i) * Unsafe.Add(ref rb, i);
    }
}

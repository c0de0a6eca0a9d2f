using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NormLab.Kernels;

/// <summary>
/// NHWC depthwise 2-D convolution with one filter per channel: kernel (KH, KW, C) row-major,
/// y[b, oh, ow, c] = bias[c] + Σ over taps of x[b, oh·sh - padTop + kh·dh, ow·sw - padLeft + kw·dw, c] · kernel[kh, kw, c].
/// Channels are the contiguous innermost axis, so every tap is a vector multiply-add over channels.
/// A channel multiplier above 1 is handled by the caller (input channels repeated first).
/// </summary>
/// <remarks>
/// The geometry is a <see cref="Conv2DGeometry"/> whose InC and OutC are both C (its kernel length does not apply).
/// Forward and the input gradient are one gather (<see cref="Gather"/>): each output value sums its taps in a
/// register and is stored once, and threads split output rows with no overlap. The input gradient gathers
/// from dy through the mirrored taps (output row oh feeds input row ih when ih + padTop - kh·dh = oh·sh).
/// The kernel gradient sums each tap over a run of output columns in registers, per thread, then adds the partials.
/// </remarks>
internal static class DepthwiseConv2DKernel
{
    /// <summary>Multiply-adds below which one thread is faster than waking others.</summary>
    private const long ParallelWork = 1 << 16;

    /// <summary>y = depthwise(x, kernel) + bias; y (B, OutH, OutW, C) is overwritten.</summary>
    internal static void Forward(in Conv2DGeometry g, float[] x, float[] kernel, float[]? bias, float[] y)
    {
        Debug.Assert(g.InC == g.OutC && x.Length >= g.InputLength && y.Length >= g.OutputLength && kernel.Length >= g.KernelH * g.KernelW * g.InC);
        var map = new TapMap(g.Batch, g.OutH, g.OutW, g.InH, g.InW, g.InC, g.KernelH, g.KernelW,
            g.StrideH, 1, -g.PadTop, g.DilationH, g.StrideW, 1, -g.PadLeft, g.DilationW);
        Gather(map, x, kernel, bias, y);
    }

    /// <summary>dx = the input gradient for dy (B, OutH, OutW, C); dx (B, InH, InW, C) is overwritten.</summary>
    internal static void BackwardInput(in Conv2DGeometry g, float[] dy, float[] kernel, float[] dx)
    {
        Debug.Assert(g.InC == g.OutC && dy.Length >= g.OutputLength && dx.Length >= g.InputLength);
        var map = new TapMap(g.Batch, g.InH, g.InW, g.OutH, g.OutW, g.InC, g.KernelH, g.KernelW,
            1, g.StrideH, g.PadTop, -g.DilationH, 1, g.StrideW, g.PadLeft, -g.DilationW);
        Gather(map, dy, kernel, null, dx);
    }

    /// <summary>
    /// Which source value each tap of each target value reads: along rows, target row t and tap kh read source row
    /// (t·RowScale + RowOffset + kh·RowTapStep) / RowDivisor when that divides evenly and lies inside the source
    /// (columns alike). Forward: scale = stride, divisor 1; input gradient: scale 1, divisor = stride, taps mirrored.
    /// </summary>
    private readonly record struct TapMap(int Batch, int TargetH, int TargetW, int SourceH, int SourceW, int C, int KernelH, int KernelW,
        int RowScale, int RowDivisor, int RowOffset, int RowTapStep, int ColumnScale, int ColumnDivisor, int ColumnOffset, int ColumnTapStep)
    {
        /// <summary>The source row or column for a target index and tap, or -1 when the tap reads nothing.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static int Source(int target, int tap, int scale, int divisor, int offset, int tapStep, int extent)
        {
            int numerator = target * scale + offset + tap * tapStep;
            if (numerator < 0 || numerator % divisor != 0) return -1;
            int source = numerator / divisor;
            return source < extent ? source : -1;
        }
    }

    /// <summary>target[t, c] = bias[c] + Σ over taps of source[tap's source, c] · kernel[tap, c], threads over target rows.</summary>
    private static void Gather(TapMap m, float[] source, float[] kernel, float[]? bias, float[] target)
    {
        long work = (long)m.Batch * m.TargetH * m.TargetW * m.C * m.KernelH * m.KernelW;
        KernelThreads.ForRanges(m.Batch * m.TargetH, work, ParallelWork, (start, end) => GatherRows(m, source, kernel, bias, target, start, end));
    }

    private static unsafe void GatherRows(in TapMap m, float[] sourceArray, float[] kernelArray, float[]? biasArray, float[] targetArray, int start, int end)
    {
        int c = m.C;
        // Per target column: the source column of each kw (-1: none), found once.
        int[] columnTable = ArrayPool<int>.Shared.Rent(m.TargetW * m.KernelW);
        int[] rowSources = ArrayPool<int>.Shared.Rent(m.KernelH);
        try
        {
            for (int tw = 0; tw < m.TargetW; tw++)
                for (int kw = 0; kw < m.KernelW; kw++)
                    columnTable[tw * m.KernelW + kw] = TapMap.Source(tw, kw, m.ColumnScale, m.ColumnDivisor, m.ColumnOffset, m.ColumnTapStep, m.SourceW);
            fixed (float* source = sourceArray, kernel = kernelArray, bias = biasArray, target = targetArray)
            fixed (int* columnSources = columnTable, rows = rowSources)
            {
                for (int r = start; r < end; r++)
                {
                    int b = r / m.TargetH, th = r % m.TargetH;
                    for (int kh = 0; kh < m.KernelH; kh++)
                        rows[kh] = TapMap.Source(th, kh, m.RowScale, m.RowDivisor, m.RowOffset, m.RowTapStep, m.SourceH);
                    float* image = source + (long)b * m.SourceH * m.SourceW * c;
                    float* outputRow = target + (long)r * m.TargetW * c;
                    // Two target columns at a time (the last one alone when the width is odd).
                    for (int tw = 0; tw < m.TargetW; tw += 2)
                    {
                        bool pair = tw + 1 < m.TargetW;
                        int* cols = columnSources + tw * m.KernelW;
                        float* output = outputRow + (long)tw * c;
                        int ch = Gather32(m, image, kernel, bias, rows, cols, output, pair);
                        GatherTail(m, image, kernel, bias, rows, cols, output, ch);
                        if (pair) GatherTail(m, image, kernel, bias, rows, cols + m.KernelW, output + c, ch);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(columnTable);
            ArrayPool<int>.Shared.Return(rowSources);
        }
    }

    /// <summary>
    /// Target column tw (taps cols0) and, with <paramref name="pair"/>, tw + 1 (taps cols0 + KernelW), 32 channels
    /// at a time: eight accumulators, the four kernel vectors of each tap loaded once for both columns
    /// (1.5 loads per multiply-add instead of 2). Returns the first channel left undone.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int Gather32(in TapMap m, float* image, float* kernel, float* bias, int* rows, int* cols0, float* output, bool pair)
    {
        int c = m.C, vectors = c / Vector256<float>.Count * Vector256<float>.Count, ch = 0;
        int* cols1 = cols0 + m.KernelW;
        for (; ch + 4 * Vector256<float>.Count <= vectors; ch += 4 * Vector256<float>.Count)
        {
            Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
            if (bias != null)
                (a0, a1, a2, a3) = (Vector256.Load(bias + ch), Vector256.Load(bias + ch + 8), Vector256.Load(bias + ch + 16), Vector256.Load(bias + ch + 24));
            Vector256<float> b0 = a0, b1 = a1, b2 = a2, b3 = a3;
            for (int kh = 0; kh < m.KernelH; kh++)
            {
                int sh = rows[kh];
                if (sh < 0) continue;
                float* row = image + (long)sh * m.SourceW * c + ch;
                float* taps0 = kernel + kh * m.KernelW * c + ch;
                for (int kw = 0; kw < m.KernelW; kw++)
                {
                    int s0 = cols0[kw], s1 = pair ? cols1[kw] : -1;
                    if (s0 < 0 && s1 < 0) continue;
                    float* k = taps0 + kw * c;
                    var (k0, k1, k2, k3) = (Vector256.Load(k), Vector256.Load(k + 8), Vector256.Load(k + 16), Vector256.Load(k + 24));
                    // Scalar math: acc(tw) += source[sh, s0, ch] * kernel[kh, kw, ch]; acc(tw + 1) alike with s1.
                    if (s0 >= 0)
                    {
                        float* x = row + (long)s0 * c;
                        a0 = Vector256.FusedMultiplyAdd(Vector256.Load(x), k0, a0);
                        a1 = Vector256.FusedMultiplyAdd(Vector256.Load(x + 8), k1, a1);
                        a2 = Vector256.FusedMultiplyAdd(Vector256.Load(x + 16), k2, a2);
                        a3 = Vector256.FusedMultiplyAdd(Vector256.Load(x + 24), k3, a3);
                    }
                    if (s1 >= 0)
                    {
                        float* x = row + (long)s1 * c;
                        b0 = Vector256.FusedMultiplyAdd(Vector256.Load(x), k0, b0);
                        b1 = Vector256.FusedMultiplyAdd(Vector256.Load(x + 8), k1, b1);
                        b2 = Vector256.FusedMultiplyAdd(Vector256.Load(x + 16), k2, b2);
                        b3 = Vector256.FusedMultiplyAdd(Vector256.Load(x + 24), k3, b3);
                    }
                }
            }
            a0.Store(output + ch); a1.Store(output + ch + 8); a2.Store(output + ch + 16); a3.Store(output + ch + 24);
            if (!pair) continue;
            float* next = output + c;
            b0.Store(next + ch); b1.Store(next + ch + 8); b2.Store(next + ch + 16); b3.Store(next + ch + 24);
        }
        return ch;
    }

    /// <summary>One target column's channels from <paramref name="ch"/> on (below a multiple of 32): 8 at a time, then one.</summary>
    private static unsafe void GatherTail(in TapMap m, float* image, float* kernel, float* bias, int* rows, int* cols, float* output, int ch)
    {
        int c = m.C, vectors = c / Vector256<float>.Count * Vector256<float>.Count;
        for (; ch < vectors; ch += Vector256<float>.Count)
        {
            var acc = bias == null ? Vector256<float>.Zero : Vector256.Load(bias + ch);
            for (int kh = 0; kh < m.KernelH; kh++)
            {
                int sh = rows[kh];
                if (sh < 0) continue;
                float* row = image + (long)sh * m.SourceW * c + ch;
                float* taps0 = kernel + kh * m.KernelW * c + ch;
                for (int kw = 0; kw < m.KernelW; kw++)
                    if (cols[kw] >= 0) acc = Vector256.FusedMultiplyAdd(Vector256.Load(row + (long)cols[kw] * c), Vector256.Load(taps0 + kw * c), acc);
            }
            acc.Store(output + ch);
        }
        for (; ch < c; ch++)
        {
            float acc = bias == null ? 0 : bias[ch];
            for (int kh = 0; kh < m.KernelH; kh++)
            {
                int sh = rows[kh];
                if (sh < 0) continue;
                for (int kw = 0; kw < m.KernelW; kw++)
                    if (cols[kw] >= 0) acc += image[((long)sh * m.SourceW + cols[kw]) * c + ch] * kernel[(kh * m.KernelW + kw) * c + ch];
            }
            output[ch] = acc;
        }
    }

    /// <summary>dKernel (KH, KW, C) = Σ over pixels of x · dy, overwritten; each thread sums its rows into its own partial.</summary>
    internal static void BackwardKernel(in Conv2DGeometry g, float[] x, float[] dy, float[] dKernel)
    {
        Debug.Assert(g.InC == g.OutC && x.Length >= g.InputLength && dy.Length >= g.OutputLength);
        var geo = g;
        int kernelLength = g.KernelH * g.KernelW * g.InC, rows = g.Batch * g.OutH;
        int workers = g.OutputLength * g.KernelH * g.KernelW > ParallelWork ? Math.Clamp(Math.Min(KernelThreads.Max, rows), 1, 64) : 1;
        var partials = new float[workers][];
        for (int w = 0; w < workers; w++) partials[w] = ArrayPool<float>.Shared.Rent(kernelLength);
        try
        {
            void Sum(int w)
            {
                Array.Clear(partials[w], 0, kernelLength);
                SumRows(in geo, x, dy, partials[w], (int)((long)rows * w / workers), (int)((long)rows * (w + 1) / workers));
            }
            if (workers == 1) Sum(0);
            else ForkJoin.Run(workers, Sum);
            Array.Copy(partials[0], dKernel, kernelLength);
            for (int w = 1; w < workers; w++)
                System.Numerics.Tensors.TensorPrimitives.Add(dKernel.AsSpan(0, kernelLength), partials[w].AsSpan(0, kernelLength), dKernel.AsSpan(0, kernelLength));
        }
        finally
        {
            foreach (var p in partials) ArrayPool<float>.Shared.Return(p);
        }
    }

    /// <summary>Adds output rows [start, end)'s Σ x · dy into dk: each tap over its run of valid columns, summed in registers.</summary>
    private static unsafe void SumRows(in Conv2DGeometry g, float[] xArray, float[] dyArray, float[] dkArray, int start, int end)
    {
        int c = g.InC, vectors = c / Vector256<float>.Count * Vector256<float>.Count;
        fixed (float* x = xArray, dy = dyArray, dk = dkArray)
        {
            for (int r = start; r < end; r++)
            {
                int b = r / g.OutH, oh = r % g.OutH;
                float* dyRow = dy + (long)r * g.OutW * c;
                for (int kh = 0; kh < g.KernelH; kh++)
                {
                    int ih = oh * g.StrideH - g.PadTop + kh * g.DilationH;
                    if ((uint)ih >= (uint)g.InH) continue;
                    float* xRow = x + ((long)b * g.InH + ih) * g.InW * c;
                    for (int kw = 0; kw < g.KernelW; kw++)
                    {
                        int offset = kw * g.DilationW - g.PadLeft;
                        // The columns whose input column iw = ow·sw + offset lies in [0, InW).
                        int first = Math.Max(0, CeilDiv(-offset, g.StrideW));
                        int last = Math.Min(g.OutW, CeilDiv(g.InW - offset, g.StrideW));
                        float* tap = dk + (kh * g.KernelW + kw) * c;
                        int ch = 0;
                        for (; ch + 4 * Vector256<float>.Count <= vectors; ch += 4 * Vector256<float>.Count)
                        {
                            // Two columns per step into separate sums (b0..b3): eight independent FMA chains hide the FMA latency.
                            Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
                            long xStep = (long)g.StrideW * c;
                            float* xs = xRow + (long)(first * g.StrideW + offset) * c + ch, ds = dyRow + (long)first * c + ch;
                            int ow = first;
                            for (; ow + 1 < last; ow += 2, xs += 2 * xStep, ds += 2 * c)
                            {
                                a0 = Vector256.FusedMultiplyAdd(Vector256.Load(xs), Vector256.Load(ds), a0);
                                a1 = Vector256.FusedMultiplyAdd(Vector256.Load(xs + 8), Vector256.Load(ds + 8), a1);
                                a2 = Vector256.FusedMultiplyAdd(Vector256.Load(xs + 16), Vector256.Load(ds + 16), a2);
                                a3 = Vector256.FusedMultiplyAdd(Vector256.Load(xs + 24), Vector256.Load(ds + 24), a3);
                                b0 = Vector256.FusedMultiplyAdd(Vector256.Load(xs + xStep), Vector256.Load(ds + c), b0);
                                b1 = Vector256.FusedMultiplyAdd(Vector256.Load(xs + xStep + 8), Vector256.Load(ds + c + 8), b1);
                                b2 = Vector256.FusedMultiplyAdd(Vector256.Load(xs + xStep + 16), Vector256.Load(ds + c + 16), b2);
                                b3 = Vector256.FusedMultiplyAdd(Vector256.Load(xs + xStep + 24), Vector256.Load(ds + c + 24), b3);
                            }
                            if (ow < last)
                            {
                                a0 = Vector256.FusedMultiplyAdd(Vector256.Load(xs), Vector256.Load(ds), a0);
                                a1 = Vector256.FusedMultiplyAdd(Vector256.Load(xs + 8), Vector256.Load(ds + 8), a1);
                                a2 = Vector256.FusedMultiplyAdd(Vector256.Load(xs + 16), Vector256.Load(ds + 16), a2);
                                a3 = Vector256.FusedMultiplyAdd(Vector256.Load(xs + 24), Vector256.Load(ds + 24), a3);
                            }
                            (Vector256.Load(tap + ch) + a0 + b0).Store(tap + ch);
                            (Vector256.Load(tap + ch + 8) + a1 + b1).Store(tap + ch + 8);
                            (Vector256.Load(tap + ch + 16) + a2 + b2).Store(tap + ch + 16);
                            (Vector256.Load(tap + ch + 24) + a3 + b3).Store(tap + ch + 24);
                        }
                        for (; ch < vectors; ch += Vector256<float>.Count)
                        {
                            var acc = Vector256<float>.Zero;
                            // Scalar math: dk[kh, kw, ch] += Σ over ow of x[ih, ow·sw + offset, ch] * dy[oh, ow, ch].
                            for (int ow = first; ow < last; ow++)
                                acc = Vector256.FusedMultiplyAdd(Vector256.Load(xRow + (long)(ow * g.StrideW + offset) * c + ch), Vector256.Load(dyRow + (long)ow * c + ch), acc);
                            (Vector256.Load(tap + ch) + acc).Store(tap + ch);
                        }
                        for (; ch < c; ch++)
                        {
                            float acc = 0;
                            for (int ow = first; ow < last; ow++) acc += xRow[(long)(ow * g.StrideW + offset) * c + ch] * dyRow[(long)ow * c + ch];
                            tap[ch] += acc;
                        }
                    }
                }
            }
        }
    }

    /// <summary>⌈a / b⌉ for b &gt; 0 and any sign of a.</summary>
    private static int CeilDiv(int a, int b) => a >= 0 ? (a + b - 1) / b : -(-a / b);
}

using System.Diagnostics;
using System.Runtime.Intrinsics;

namespace NormLab.Kernels;

/// <summary>
/// NHWC max and average pooling with their backward passes. Channels are innermost, so every
/// window position is a contiguous run of Channels floats and the loops vectorize across channels.
/// Padding positions never take part: max ignores them, average divides by the count of real
/// elements in the window (TensorFlow/Keras "same" semantics).
/// </summary>
internal static class PoolKernel
{
    /// <summary>Elements touched below which a call stays on one thread.</summary>
    private const long MinWorkToThread = 1L << 15;

    /// <summary>
    /// y = max over each window; argmax receives the flat index into x of each output's maximum
    /// (the first one on ties). x is (B, InH, InW, C); y and argmax are (B, OutH, OutW, C).
    /// </summary>
    internal static void MaxForward(in Pool2DGeometry g, float[] x, float[] y, int[] argmax)
    {
        Debug.Assert(x.Length >= g.InputLength && y.Length >= g.OutputLength && argmax.Length >= g.OutputLength);
        var geo = g;
        long work = g.OutputLength * g.PoolH * g.PoolW;
        KernelThreads.ForRanges(g.Batch * g.OutH, work, MinWorkToThread, (start, end) => MaxRows(in geo, x, y, argmax, start, end));
    }

    /// <summary>Max-pools output rows [start, end), counted over (batch, OutH).</summary>
    private static unsafe void MaxRows(in Pool2DGeometry g, float[] xArr, float[] yArr, int[] argArr, int start, int end)
    {
        int channels = g.Channels;
        var lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        fixed (float* x = xArr, y = yArr)
        fixed (int* arg = argArr)
        {
            for (int row = start; row < end; row++)
            {
                int b = row / g.OutH, oh = row % g.OutH;
                var (h0, h1) = g.RowWindow(oh);
                for (int ow = 0; ow < g.OutW; ow++)
                {
                    var (w0, w1) = g.ColumnWindow(ow);
                    long outBase = ((long)row * g.OutW + ow) * channels;
                    // The first real element seeds the max, so padding never wins and there is always an index.
                    int first = ((b * g.InH + h0) * g.InW + w0) * channels;
                    int c = 0;
                    // Scalar math: y[c] = max over (ih, iw) in the window of x[b, ih, iw, c]; arg[c] = its flat index.
                    for (; c <= channels - 8; c += 8)
                    {
                        var best = Vector256.Load(x + first + c);
                        var bestIndex = Vector256.Create(first + c) + lanes;
                        for (int ih = h0; ih < h1; ih++)
                            for (int iw = w0; iw < w1; iw++)
                            {
                                int at = ((b * g.InH + ih) * g.InW + iw) * channels + c;
                                var v = Vector256.Load(x + at);
                                var greater = Vector256.GreaterThan(v, best);
                                best = Vector256.ConditionalSelect(greater, v, best);
                                bestIndex = Vector256.ConditionalSelect(greater.AsInt32(), Vector256.Create(at) + lanes, bestIndex);
                            }
                        best.Store(y + outBase + c);
                        bestIndex.Store(arg + outBase + c);
                    }
                    for (; c < channels; c++)
                    {
                        float best = x[first + c];
                        int bestIndex = first + c;
                        for (int ih = h0; ih < h1; ih++)
                            for (int iw = w0; iw < w1; iw++)
                            {
                                int at = ((b * g.InH + ih) * g.InW + iw) * channels + c;
                                if (x[at] > best) { best = x[at]; bestIndex = at; }
                            }
                        y[outBase + c] = best;
                        arg[outBase + c] = bestIndex;
                    }
                }
            }
        }
    }

    /// <summary>dx = 0, then dx[argmax[i]] += dy[i] for every output i. dx is (B, InH, InW, C).</summary>
    internal static void MaxBackward(in Pool2DGeometry g, float[] dy, int[] argmax, float[] dx)
    {
        Debug.Assert(dy.Length >= g.OutputLength && argmax.Length >= g.OutputLength && dx.Length >= g.InputLength);
        long imageIn = (long)g.InH * g.InW * g.Channels, imageOut = (long)g.OutH * g.OutW * g.Channels;
        // Every argmax points into its own image, so threads can own whole images without races.
        KernelThreads.ForRanges(g.Batch, g.OutputLength + g.InputLength, MinWorkToThread, (b0, b1) =>
        {
            Array.Clear(dx, (int)(b0 * imageIn), (int)((b1 - b0) * imageIn));
            // Scalar math: dx[argmax[i]] += dy[i].
            for (long i = b0 * imageOut, end = b1 * imageOut; i < end; i++) dx[argmax[i]] += dy[i];
        });
    }

    /// <summary>y = mean of the real (non-padding) elements of each window. x is (B, InH, InW, C); y is (B, OutH, OutW, C).</summary>
    internal static void AverageForward(in Pool2DGeometry g, float[] x, float[] y)
    {
        Debug.Assert(x.Length >= g.InputLength && y.Length >= g.OutputLength);
        var geo = g;
        long work = g.OutputLength * g.PoolH * g.PoolW;
        KernelThreads.ForRanges(g.Batch * g.OutH, work, MinWorkToThread, (start, end) => AverageRows(in geo, x, y, start, end));
    }

    /// <summary>Average-pools output rows [start, end), counted over (batch, OutH).</summary>
    private static unsafe void AverageRows(in Pool2DGeometry g, float[] xArr, float[] yArr, int start, int end)
    {
        int channels = g.Channels;
        fixed (float* x = xArr, y = yArr)
        {
            for (int row = start; row < end; row++)
            {
                int b = row / g.OutH, oh = row % g.OutH;
                var (h0, h1) = g.RowWindow(oh);
                for (int ow = 0; ow < g.OutW; ow++)
                {
                    var (w0, w1) = g.ColumnWindow(ow);
                    float* dst = y + ((long)row * g.OutW + ow) * channels;
                    float scale = 1f / ((h1 - h0) * (w1 - w0));
                    new Span<float>(dst, channels).Clear();
                    for (int ih = h0; ih < h1; ih++)
                        for (int iw = w0; iw < w1; iw++)
                        {
                            float* src = x + ((long)(b * g.InH + ih) * g.InW + iw) * channels;
                            int c = 0;
                            // Scalar math: y[c] += x[b, ih, iw, c].
                            for (; c <= channels - 8; c += 8) (Vector256.Load(dst + c) + Vector256.Load(src + c)).Store(dst + c);
                            for (; c < channels; c++) dst[c] += src[c];
                        }
                    Scale(dst, channels, scale);
                }
            }
        }
    }

    /// <summary>dx = the adjoint of average pooling: each dy spread evenly over the real elements of its window.</summary>
    internal static void AverageBackward(in Pool2DGeometry g, float[] dy, float[] dx)
    {
        Debug.Assert(dy.Length >= g.OutputLength && dx.Length >= g.InputLength);
        var geo = g;
        long imageIn = (long)g.InH * g.InW * g.Channels;
        // Windows overlap within an image only, so threads own whole images.
        KernelThreads.ForRanges(g.Batch, g.OutputLength * g.PoolH * g.PoolW, MinWorkToThread, (b0, b1) =>
        {
            Array.Clear(dx, (int)(b0 * imageIn), (int)((b1 - b0) * imageIn));
            AverageBackwardImages(in geo, dy, dx, b0, b1);
        });
    }

    private static unsafe void AverageBackwardImages(in Pool2DGeometry g, float[] dyArr, float[] dxArr, int b0, int b1)
    {
        int channels = g.Channels;
        fixed (float* dy = dyArr, dx = dxArr)
        {
            for (int b = b0; b < b1; b++)
                for (int oh = 0; oh < g.OutH; oh++)
                {
                    var (h0, h1) = g.RowWindow(oh);
                    for (int ow = 0; ow < g.OutW; ow++)
                    {
                        var (w0, w1) = g.ColumnWindow(ow);
                        float* src = dy + (((long)b * g.OutH + oh) * g.OutW + ow) * channels;
                        float scale = 1f / ((h1 - h0) * (w1 - w0));
                        var scaleV = Vector256.Create(scale);
                        for (int ih = h0; ih < h1; ih++)
                            for (int iw = w0; iw < w1; iw++)
                            {
                                float* dst = dx + ((long)(b * g.InH + ih) * g.InW + iw) * channels;
                                int c = 0;
                                // Scalar math: dx[b, ih, iw, c] += dy[b, oh, ow, c] / count.
                                for (; c <= channels - 8; c += 8)
                                    Gemm.MulAdd(Vector256.Load(src + c), scaleV, Vector256.Load(dst + c)).Store(dst + c);
                                for (; c < channels; c++) dst[c] += src[c] * scale;
                            }
                    }
                }
        }
    }

    private static unsafe void Scale(float* v, int length, float factor)
    {
        var f = Vector256.Create(factor);
        int i = 0;
        // Scalar math: v[i] *= factor.
        for (; i <= length - 8; i += 8) (Vector256.Load(v + i) * f).Store(v + i);
        for (; i < length; i++) v[i] *= factor;
    }
}

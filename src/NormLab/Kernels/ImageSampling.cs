namespace NormLab.Kernels;

/// <summary>
/// Resampling of NHWC images at arbitrary source coordinates (resizing, flips, rotations, zooms,
/// translations): each output pixel is a weighted sum of up to four source pixels, or of the fill value
/// where a tap falls outside the image under the "constant" fill mode. The plan (taps and weights per
/// output pixel) is computed once per image; the same loops apply it forward and, transposed, backward.
/// </summary>
internal sealed class ImageSampling
{
    internal const int Taps = 4;
    private readonly int height, width, outHeight, outWidth, images;
    private readonly int[] source;    // images * outHeight * outWidth * Taps: pixel index y * width + x, or -1 (fill)
    private readonly float[] weight;  // same layout

    private ImageSampling(int images, int height, int width, int outHeight, int outWidth)
    {
        (this.images, this.height, this.width, this.outHeight, this.outWidth) = (images, height, width, outHeight, outWidth);
        source = new int[images * outHeight * outWidth * Taps];
        weight = new float[source.Length];
    }

    /// <summary>
    /// A plan sampling <paramref name="images"/> images of height x width at the source coordinates
    /// <paramref name="coordinates"/>(n, oy, ox) = (y, x) for an outHeight x outWidth output.
    /// </summary>
    internal static ImageSampling At(int images, int height, int width, int outHeight, int outWidth,
        Func<int, int, int, (double Y, double X)> coordinates, bool bilinear, FillMode fill)
    {
        var plan = new ImageSampling(images, height, width, outHeight, outWidth);
        for (int n = 0; n < images; n++)
            for (int oy = 0; oy < outHeight; oy++)
                for (int ox = 0; ox < outWidth; ox++)
                {
                    var (y, x) = coordinates(n, oy, ox);
                    int at = ((n * outHeight + oy) * outWidth + ox) * Taps;
                    if (bilinear) plan.Bilinear(at, y, x, fill);
                    else plan.Nearest(at, y, x, fill);
                }
        return plan;
    }

    private void Bilinear(int at, double y, double x, FillMode fill)
    {
        if (!double.IsFinite(y) || !double.IsFinite(x)) { FillOnly(at); return; }
        double y0 = Math.Floor(y), x0 = Math.Floor(x), fy = y - y0, fx = x - x0;
        // Scalar math: out = (1-fy)(1-fx) p(y0,x0) + (1-fy) fx p(y0,x0+1) + fy (1-fx) p(y0+1,x0) + fy fx p(y0+1,x0+1)
        Set(at, (long)y0, (long)x0, (1 - fy) * (1 - fx), fill);
        Set(at + 1, (long)y0, (long)x0 + 1, (1 - fy) * fx, fill);
        Set(at + 2, (long)y0 + 1, (long)x0, fy * (1 - fx), fill);
        Set(at + 3, (long)y0 + 1, (long)x0 + 1, fy * fx, fill);
    }

    private void Nearest(int at, double y, double x, FillMode fill)
    {
        if (!double.IsFinite(y) || !double.IsFinite(x)) { FillOnly(at); return; }
        Set(at, (long)Math.Round(y, MidpointRounding.AwayFromZero), (long)Math.Round(x, MidpointRounding.AwayFromZero), 1, fill);
        for (int k = 1; k < Taps; k++) (source[at + k], weight[at + k]) = (0, 0);
    }

    private void FillOnly(int at)
    {
        source[at] = -1;
        weight[at] = 1;
        for (int k = 1; k < Taps; k++) (source[at + k], weight[at + k]) = (0, 0);
    }

    private void Set(int tap, long y, long x, double w, FillMode fill)
    {
        long sy = fill.Map(y, height), sx = fill.Map(x, width);
        source[tap] = sy < 0 || sx < 0 ? -1 : (int)(sy * width + sx);
        weight[tap] = (float)w;
    }

    /// <summary>out[n, o, c] = sum over taps of w * (x[n, tap, c], or fillValue for a tap outside).</summary>
    internal float[] Forward(float[] x, int channels, float fillValue)
    {
        var output = new float[images * outHeight * outWidth * channels];
        int inPlane = height * width, outPlane = outHeight * outWidth;
        KernelThreads.ForRanges(images * outPlane, (long)images * outPlane * channels * Taps, 1 << 15, (start, end) =>
        {
            for (int o = start; o < end; o++)
            {
                int n = o / outPlane, at = o * Taps;
                var target = output.AsSpan(o * channels, channels);
                for (int k = 0; k < Taps; k++)
                {
                    float w = weight[at + k];
                    if (w == 0) continue;
                    int s = source[at + k];
                    if (s < 0) { for (int c = 0; c < channels; c++) target[c] += w * fillValue; continue; }
                    var from = x.AsSpan((n * inPlane + s) * channels, channels);
                    for (int c = 0; c < channels; c++) target[c] += w * from[c];
                }
            }
        });
        return output;
    }

    /// <summary>The transpose: dx[n, tap, c] += w * g[n, o, c] (one image per task, so no two tasks write the same pixel).</summary>
    internal float[] Backward(float[] g, int channels)
    {
        int inPlane = height * width, outPlane = outHeight * outWidth;
        var dx = new float[images * inPlane * channels];
        KernelThreads.ForRanges(images, (long)images * outPlane * channels * Taps, 1 << 15, (start, end) =>
        {
            for (int n = start; n < end; n++)
                for (int p = 0; p < outPlane; p++)
                {
                    int o = n * outPlane + p, at = o * Taps;
                    var grad = g.AsSpan(o * channels, channels);
                    for (int k = 0; k < Taps; k++)
                    {
                        int s = source[at + k];
                        float w = weight[at + k];
                        if (s < 0 || w == 0) continue;
                        var target = dx.AsSpan((n * inPlane + s) * channels, channels);
                        for (int c = 0; c < channels; c++) target[c] += w * grad[c];
                    }
                }
        });
        return dx;
    }
}

/// <summary>How a source index outside [0, length) is mapped back inside (Keras's fill_mode), or -1 for the fill value.</summary>
internal readonly record struct FillMode(string Name)
{
    /// <summary>The names Keras accepts.</summary>
    internal static readonly string[] Names = ["reflect", "wrap", "constant", "nearest", "mirror"];

    internal long Map(long i, int length)
    {
        if (i >= 0 && i < length) return i;
        switch (Name)
        {
            case "constant": return -1;
            case "nearest": return Math.Clamp(i, 0, length - 1);
            case "wrap": return ((i % length) + length) % length;
            case "reflect":   // d c b a | a b c d | d c b a: the edge pixel repeats
            {
                long period = 2L * length, r = ((i % period) + period) % period;
                return r < length ? r : period - 1 - r;
            }
            default:          // mirror, c d c b | a b c d | c b a b: the edge pixel does not repeat
            {
                if (length == 1) return 0;
                long period = 2L * length - 2, r = ((i % period) + period) % period;
                return r < length ? r : period - r;
            }
        }
    }
}

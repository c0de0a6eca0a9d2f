using NormLab.Autograd;
using NormLab.Kernels;

namespace NormLab;

/// <summary>Image resampling on NHWC batches (Keras's ops.image.resize and affine_transform), differentiable.</summary>
public static partial class Ops
{
    /// <summary>
    /// Resizes (batch, height, width, channels) images as Keras (TensorFlow's half-pixel centers, no
    /// antialiasing; PyTorch's align_corners=False, and nearest-exact for "nearest").
    /// </summary>
    /// <param name="images">A rank-4 NHWC batch.</param>
    /// <param name="height">Output height in pixels, positive.</param>
    /// <param name="width">Output width in pixels, positive.</param>
    /// <param name="interpolation">"bilinear" or "nearest".</param>
    /// <exception cref="ArgumentException">When <paramref name="images"/> is not rank 4 or has no pixels, <paramref name="interpolation"/> is unknown, or <paramref name="height"/> or <paramref name="width"/> is below 1.</exception>
    public static Tensor Resize(Tensor images, int height, int width, string interpolation = "bilinear")
    {
        RequireImages(images, "Resize");
        bool bilinear = IsBilinear(interpolation, "Resize");
        if (height < 1 || width < 1) throw new ArgumentException($"Resize: the output size must be positive, received ({height}, {width}).");
        int inH = images.Dims[1], inW = images.Dims[2];
        if (inH == 0 || inW == 0) throw new ArgumentException($"Resize: there is nothing to interpolate in images of shape {Shapes.Format(images.Dims)}.");
        double scaleY = (double)inH / height, scaleX = (double)inW / width;
        // Bilinear: the half-pixel source coordinate clamped to the image; nearest: floor((o + 0.5) * scale).
        double Source(int o, double scale, int size) => bilinear
            ? Math.Clamp((o + 0.5) * scale - 0.5, 0, size - 1)
            : Math.Min(Math.Floor((o + 0.5) * scale), size - 1);
        var plan = ImageSampling.At(images.Dims[0], inH, inW, height, width,
            (_, oy, ox) => (Source(oy, scaleY, inH), Source(ox, scaleX, inW)), bilinear, new FillMode("nearest"));
        return Sample(images, plan, height, width, 0);
    }

    /// <summary>
    /// Applies one projective transform per image (Keras's ops.image.affine_transform): output pixel (x, y)
    /// takes the input at ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1, from the
    /// rows [a0, a1, a2, b0, b1, b2, c0, c1] of <paramref name="transforms"/>.
    /// </summary>
    /// <param name="images">A rank-4 NHWC batch.</param>
    /// <param name="transforms">(batch, 8), or (8) for one transform for every image.</param>
    /// <param name="interpolation">"bilinear" or "nearest".</param>
    /// <param name="fillMode">"constant", "nearest", "wrap", "mirror" or "reflect" (Keras's meanings).</param>
    /// <param name="fillValue">The value outside the image for "constant".</param>
    /// <exception cref="ArgumentException">When <paramref name="images"/> is not rank 4, <paramref name="interpolation"/> or <paramref name="fillMode"/> is unknown, or <paramref name="transforms"/> is not (8) or (batch, 8).</exception>
    public static Tensor AffineTransform(Tensor images, Tensor transforms, string interpolation = "bilinear",
        string fillMode = "constant", double fillValue = 0)
    {
        RequireImages(images, "AffineTransform");
        bool bilinear = IsBilinear(interpolation, "AffineTransform");
        var fill = CheckFillMode(fillMode, "AffineTransform");
        int n = images.Dims[0];
        bool shared = transforms.Rank == 1 && transforms.Dims[0] == 8;
        if (!shared && !(transforms.Rank == 2 && transforms.Dims[0] == n && transforms.Dims[1] == 8))
            throw new ArgumentException($"AffineTransform: transforms must have shape (8,) or ({n}, 8) for images of shape {Shapes.Format(images.Dims)}, received {Shapes.Format(transforms.Dims)}.");
        var t = transforms.Data;
        var plan = ImageSampling.At(n, images.Dims[1], images.Dims[2], images.Dims[1], images.Dims[2], (i, y, x) =>
        {
            int r = shared ? 0 : i * 8;
            double k = t[r + 6] * x + t[r + 7] * y + 1;
            return ((t[r + 3] * x + t[r + 4] * y + t[r + 5]) / k, (t[r] * x + t[r + 1] * y + t[r + 2]) / k);
        }, bilinear, fill);
        return Sample(images, plan, images.Dims[1], images.Dims[2], fillValue);
    }

    /// <summary>Applies a sampling plan; the gradient flows to the sampled pixels (none to the fill value).</summary>
    internal static Tensor Sample(Tensor images, ImageSampling plan, int height, int width, double fillValue)
    {
        int channels = images.Dims[3];
        var output = new Tensor(plan.Forward(images.Data, channels, (float)fillValue), [images.Dims[0], height, width, channels]);
        return Tape.Record(output, [images], g => [new Tensor(plan.Backward(g.Data, channels), images.Shape)]);
    }

    internal static void RequireImages(Tensor images, string where)
    {
        if (images.Rank != 4)
            throw new ArgumentException($"{where}: expected images of rank 4 (batch, height, width, channels), received shape {Shapes.Format(images.Dims)}.");
    }

    internal static bool IsBilinear(string interpolation, string where) => interpolation switch
    {
        "bilinear" => true,
        "nearest" => false,
        _ => throw new ArgumentException($"{where}: interpolation must be \"bilinear\" or \"nearest\", received \"{interpolation}\"."),
    };

    internal static FillMode CheckFillMode(string fillMode, string where) => FillMode.Names.Contains(fillMode)
        ? new FillMode(fillMode)
        : throw new ArgumentException($"{where}: fillMode must be one of {string.Join(", ", FillMode.Names.Select(m => $"\"{m}\""))}, received \"{fillMode}\".");
}

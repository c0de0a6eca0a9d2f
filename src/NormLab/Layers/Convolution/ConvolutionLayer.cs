using System.Text.Json.Nodes;
using NormLab.Activations;
using NormLab.Kernels;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// What every convolution layer shares: a window (kernel size, strides, padding, dilation) over one or two
/// spatial axes, an activation and an optional bias. Input is channels last: (batch, height, width, channels)
/// for 2-D layers, (batch, steps, channels) for 1-D layers, which run as images of height 1 (the window's
/// Height is then 1 and the configs hold one value per argument, as Keras's).
/// </summary>
public abstract class ConvolutionLayer : Layer
{
    /// <summary>Validates and stores the window; <paramref name="rank"/> is the number of spatial axes (1 or 2).</summary>
    private protected ConvolutionLayer(int rank, Size2 kernelSize, Size2 strides, string padding, Size2 dilationRate,
        ActivationFunction? activation, bool useBias, int[]? inputShape, string? name, bool causalAllowed = false)
        : base(name, inputShape)
    {
        Rank = rank;
        KernelSize = kernelSize;
        Strides = strides;
        DilationRate = dilationRate;
        if (KernelSize.Height < 1 || KernelSize.Width < 1 || Strides.Height < 1 || Strides.Width < 1 || DilationRate.Height < 1 || DilationRate.Width < 1)
            throw new ArgumentException($"{Describe()}: kernelSize, strides and dilationRate must be >= 1, received kernelSize {Format(KernelSize)}, strides {Format(Strides)}, dilationRate {Format(DilationRate)}.");
        if ((Strides.Height > 1 || Strides.Width > 1) && (DilationRate.Height > 1 || DilationRate.Width > 1))
            throw new ArgumentException($"{Describe()}: strides > 1 together with dilationRate > 1 is not supported (as in Keras), received strides {Format(Strides)} and dilationRate {Format(DilationRate)}.");
        Padding = causalAllowed && padding?.ToLowerInvariant() == "causal" ? "causal" : PaddingName(padding!, Describe(), causalAllowed);
        Activation = activation ?? "linear";
        UseBias = useBias;
    }

    /// <summary>The number of spatial axes: 1 for (batch, steps, channels), 2 for (batch, height, width, channels).</summary>
    public int Rank { get; }
    /// <summary>The kernel's (height, width); the height is 1 for 1-D layers.</summary>
    public Size2 KernelSize { get; }
    /// <summary>The step between windows.</summary>
    public Size2 Strides { get; }
    /// <summary>The spacing between kernel taps.</summary>
    public Size2 DilationRate { get; }
    /// <summary>"valid", "same", or (Conv1D) "causal".</summary>
    public string Padding { get; }
    /// <summary>The activation applied to the output.</summary>
    public ActivationFunction Activation { get; }
    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }

    /// <summary>(batch, steps, channels) → (batch, 1, steps, channels) for 1-D layers; 2-D input is checked and kept.</summary>
    private protected int[] ImageShape(ReadOnlySpan<int> shape)
    {
        RequireRank(shape, Rank + 2, Rank + 2);
        return Rank == 1 ? [shape[0], 1, shape[1], shape[2]] : shape.ToArray();
    }

    /// <summary>The input as an image (a view for 1-D layers).</summary>
    private protected Tensor ToImage(Tensor x) => Rank == 1 ? Ops.Reshape(x, ImageShape(x.Dims)) : x;

    /// <summary>An image-shaped result back in the layer's rank (drops the height of 1 of 1-D layers).</summary>
    private protected Tensor FromImage(Tensor y) => Rank == 1 ? Ops.Reshape(y, y.Dims[0], y.Dims[2], y.Dims[3]) : y;

    /// <summary>An image shape back in the layer's rank.</summary>
    private protected int[] FromImageShape(int[] image) => Rank == 1 ? [image[0], image[2], image[3]] : image;

    /// <summary>The kernel's spatial dimensions for a weight shape: [k] or [kh, kw].</summary>
    private protected int[] SpatialKernel => Rank == 1 ? [KernelSize.Width] : [KernelSize.Height, KernelSize.Width];

    /// <summary>
    /// The geometry of a convolution over <paramref name="image"/> (batch, h, w, inC) with <paramref name="outC"/>
    /// outputs: Keras's "valid"/"same", and "causal" (all padding before the steps).
    /// </summary>
    private protected Conv2DGeometry Geometry(int[] image, int inC, int outC)
    {
        if (image[3] == 0)
            throw new ArgumentException($"{Describe()}: the input has 0 channels (shape {Shapes.Format(FromImageShape(image))}); a convolution needs at least one.");
        Conv2DGeometry g;
        if (Padding == "causal")
        {
            // Causal: every padded step goes before the sequence, so output t sees inputs up to t only.
            int pad = (KernelSize.Width - 1) * DilationRate.Width;
            g = Conv2DGeometry.Create(image[0], image[1], image[2] + pad, inC, KernelSize.Height, KernelSize.Width, outC,
                Strides.Height, Strides.Width, DilationRate.Height, DilationRate.Width, "valid") with { InW = image[2], PadLeft = pad };
        }
        else
        {
            g = Conv2DGeometry.Create(image[0], image[1], image[2], inC, KernelSize.Height, KernelSize.Width, outC,
                Strides.Height, Strides.Width, DilationRate.Height, DilationRate.Width, Padding);
        }
        if (g.OutH < 1 || g.OutW < 1)
            throw new ArgumentException($"{Describe()}: input of shape {Shapes.Format(FromImageShape(image))} is smaller than the kernel {Format(KernelSize)} (dilation {Format(DilationRate)}) with padding 'valid'.");
        return g;
    }

    /// <summary>Throws unless the input has the channel count the layer was built for.</summary>
    private protected void RequireChannels(int[] image, int expected)
    {
        if (image[3] != expected)
            throw new ArgumentException($"{Describe()}: expected {expected} input channels (last axis), received input of shape {Shapes.Format(FromImageShape(image))}.");
    }

    /// <summary>"valid" or "same" (any case), else an error naming <paramref name="layer"/>.</summary>
    internal static string PaddingName(string padding, string layer, bool causalAllowed = false)
    {
        var lower = padding?.ToLowerInvariant();
        if (lower is "valid" or "same") return lower;
        throw new ArgumentException($"{layer}: padding must be 'valid'{(causalAllowed ? ", 'same' or 'causal'" : " or 'same'")}, received '{padding}'.");
    }

    /// <summary>A window argument as Keras prints it for this rank: (3,) or (3, 3).</summary>
    private protected string Format(Size2 size) => Rank == 1 ? $"({size.Width},)" : size.ToString();

    private protected JsonArray ToJson(Size2 size) => (Rank == 1 ? [size.Width] : size.ToArray()).ToJson();

    /// <summary>Writes kernel_size, strides, padding, dilation_rate in Keras's order.</summary>
    private protected void WriteWindow(JsonObject config)
    {
        config["kernel_size"] = ToJson(KernelSize);
        config["strides"] = ToJson(Strides);
        config["padding"] = Padding;
        config["dilation_rate"] = ToJson(DilationRate);
    }

    /// <summary>Writes activation and use_bias.</summary>
    private protected void WriteActivationAndBias(JsonObject config)
    {
        config["activation"] = Activation.Name;
        config["use_bias"] = UseBias;
    }

    /// <summary>The window arguments of a saved config, as (kernel, strides, padding, dilation) for a 1-D layer (widths) or a 2-D one.</summary>
    private protected static (Size2 Kernel, Size2 Strides, string Padding, Size2 Dilation) ReadWindow(JsonObject c, int rank)
    {
        Size2 Read(string key, int fallback)
        {
            var values = c.GetInts(key) ?? [fallback];
            return rank == 1 ? new Size2(1, values[0]) : Size2.FromArray(values);
        }
        return (Read("kernel_size", 1), Read("strides", 1), c.GetString("padding", "valid")!, Read("dilation_rate", 1));
    }

    /// <summary>A 1-D argument as the (1, width) window of an image of height 1.</summary>
    private protected static Size2 Along(int width) => new(1, width);
}

using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Keras's Resizing: resizes (batch, height, width, channels) images to (height, width) with
/// <see cref="Ops.Resize"/>, in training and at inference. With <c>cropToAspectRatio</c> the largest
/// centered window of the target aspect ratio is cut out first, so the image is not distorted.
/// </summary>
public sealed class Resizing : Layer
{
    /// <summary>Creates the layer; arguments and defaults follow keras.layers.Resizing.</summary>
    /// <param name="height">Output height in pixels, positive.</param>
    /// <param name="width">Output width in pixels, positive.</param>
    /// <param name="interpolation">"bilinear" (default) or "nearest".</param>
    /// <param name="cropToAspectRatio">Whether to crop to the target aspect ratio first (default false).</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">Layer name (Keras <c>name</c>); default null gives a unique one from the class name in snake_case, numbered from the second layer of that class on (e.g. "re_lu", "re_lu_1").</param>
    /// <exception cref="ArgumentException">When <paramref name="height"/> or <paramref name="width"/> is below 1, or <paramref name="interpolation"/> is not "bilinear" or "nearest".</exception>
    public Resizing(int height, int width, string interpolation = "bilinear", bool cropToAspectRatio = false, int[]? inputShape = null, string? name = null)
        : base(name, inputShape)
    {
        if (height < 1 || width < 1) throw new ArgumentException($"{Describe()}: height and width must be >= 1, received ({height}, {width}).");
        Ops.IsBilinear(interpolation, Describe());
        (Height, Width, Interpolation, CropToAspectRatio) = (height, width, interpolation, cropToAspectRatio);
    }

    /// <summary>The output height.</summary>
    public int Height { get; }

    /// <summary>The output width.</summary>
    public int Width { get; }

    /// <summary>"bilinear" or "nearest".</summary>
    public string Interpolation { get; }

    /// <summary>Whether the image is cropped to the target aspect ratio before resizing.</summary>
    public bool CropToAspectRatio { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        RequireRank(x, 4, 4);
        return CropToAspectRatio ? CropAndResize(x, Height, Width, Interpolation, Describe()) : Ops.Resize(RequireArea(x, Describe()), Height, Width, Interpolation);
    }

    /// <summary>Throws unless the images have a height and a width: an empty image has nothing to resize.</summary>
    internal static Tensor RequireArea(Tensor x, string layer) => x.Dims[1] > 0 && x.Dims[2] > 0 ? x
        : throw new ArgumentException($"{layer}: cannot resize images with an empty height or width, received shape {Shapes.Format(x.Dims)}.");

    /// <summary>
    /// Keras's resize with crop_to_aspect_ratio: the centered window of the target's aspect ratio
    /// (sizes truncated, at least 1), then the resize.
    /// </summary>
    internal static Tensor CropAndResize(Tensor x, int height, int width, string interpolation, string layer)
    {
        RequireArea(x, layer);
        int inH = x.Dims[1], inW = x.Dims[2];
        int cropH = Math.Max(Math.Min(inH, (int)((float)inW * height / width)), 1);
        int cropW = Math.Max(Math.Min(inW, (int)((float)inH * width / height)), 1);
        var cropped = Ops.Slice(Ops.Slice(x, 1, (inH - cropH) / 2, cropH), 2, (inW - cropW) / 2, cropW);
        return Ops.Resize(cropped, height, width, interpolation);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 4, 4);
        return [inputShape[0], Height, Width, inputShape[3]];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["height"] = Height;
        config["width"] = Width;
        config["interpolation"] = Interpolation;
        config["crop_to_aspect_ratio"] = CropToAspectRatio;
        return config;
    }

    internal static Resizing FromConfig(JsonObject c) => new(c.GetInt("height", 1), c.GetInt("width", 1),
        c.GetString("interpolation", "bilinear")!, c.GetBool("crop_to_aspect_ratio", false), name: c.GetString("name"));
}

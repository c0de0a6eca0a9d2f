using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Keras's CenterCrop: cuts the centered (height, width) window out of each image, in training and at
/// inference; an image smaller than the window is resized as <c>Resizing(cropToAspectRatio: true)</c> does.
/// </summary>
public sealed class CenterCrop : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="height">The output height.</param>
    /// <param name="width">The output width.</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">Layer name (Keras <c>name</c>); default null gives a unique one from the class name in snake_case, numbered from the second layer of that class on (e.g. "re_lu", "re_lu_1").</param>
    /// <exception cref="ArgumentException">When <paramref name="height"/> or <paramref name="width"/> is below 1.</exception>
    public CenterCrop(int height, int width, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        if (height < 1 || width < 1) throw new ArgumentException($"{Describe()}: height and width must be >= 1, received ({height}, {width}).");
        (Height, Width) = (height, width);
    }

    /// <summary>The output height.</summary>
    public int Height { get; }

    /// <summary>The output width.</summary>
    public int Width { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        RequireRank(x, 4, 4);
        int dh = x.Dims[1] - Height, dw = x.Dims[2] - Width;
        if (dh < 0 || dw < 0) return Resizing.CropAndResize(x, Height, Width, "bilinear", Describe());
        return Ops.Slice(Ops.Slice(x, 1, dh / 2, Height), 2, dw / 2, Width);
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
        return config;
    }

    internal static CenterCrop FromConfig(JsonObject c) => new(c.GetInt("height", 1), c.GetInt("width", 1), name: c.GetString("name"));
}

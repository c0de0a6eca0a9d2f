using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>Repeats each step <c>size</c> times (keras.layers.UpSampling1D): (batch, steps, c) → (batch, steps·size, c).</summary>
/// <example><code>new UpSampling1D(2)</code></example>
public sealed class UpSampling1D : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="size">The upsampling factor (default 2).</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">The layer's name.</param>
    /// <exception cref="ArgumentException">When <paramref name="size"/> is below 1.</exception>
    public UpSampling1D(int size = 2, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        if (size < 1) throw new ArgumentException($"{Describe()}: size must be >= 1, received {size}.");
        Size = size;
    }

    /// <summary>The upsampling factor.</summary>
    public int Size { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        RequireRank(x, 3, 3);
        return Ops.RepeatElements(x, 1, Size);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 3, 3);
        return [inputShape[0], inputShape[1] * Size, inputShape[2]];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["size"] = Size;
        return config;
    }

    internal static UpSampling1D FromConfig(JsonObject c) => new(c.GetInt("size", 2), name: c.GetString("name"));
}

/// <summary>
/// Scales height and width by <c>size</c> (keras.layers.UpSampling2D): "nearest" repeats rows and columns,
/// "bilinear" interpolates with half-pixel centres (as Keras's image resize and PyTorch's align_corners=False).
/// </summary>
/// <example><code>new UpSampling2D((2, 2), interpolation: "bilinear")</code></example>
public sealed class UpSampling2D : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="size">The (height, width) factors (default 2).</param>
    /// <param name="interpolation">"nearest" (default) or "bilinear".</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">The layer's name.</param>
    /// <exception cref="ArgumentException">When a factor of <paramref name="size"/> is below 1 or <paramref name="interpolation"/> is not "nearest" or "bilinear".</exception>
    public UpSampling2D(Size2? size = null, string interpolation = "nearest", int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        Size = size ?? 2;
        if (Size.Height < 1 || Size.Width < 1) throw new ArgumentException($"{Describe()}: size must be >= 1, received {Size}.");
        Interpolation = interpolation?.ToLowerInvariant() is "nearest" or "bilinear" ? interpolation.ToLowerInvariant()
            : throw new ArgumentException($"{Describe()}: interpolation must be 'nearest' or 'bilinear', received '{interpolation}'.");
    }

    /// <summary>The (height, width) factors.</summary>
    public Size2 Size { get; }
    /// <summary>"nearest" or "bilinear".</summary>
    public string Interpolation { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var shape = ComputeOutputShape(x.Shape);
        if (Interpolation == "nearest") return Ops.RepeatElements(Ops.RepeatElements(x, 1, Size.Height), 2, Size.Width);
        if (x.Dims[1] == 0 || x.Dims[2] == 0)
            throw new ArgumentException($"{Describe()}: bilinear upsampling needs at least one row and column, received input of shape {Shapes.Format(x.Dims)}.");
        return Ops.ResizeLinear(Ops.ResizeLinear(x, 1, shape[1]), 2, shape[2]);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 4, 4);
        return [inputShape[0], inputShape[1] * Size.Height, inputShape[2] * Size.Width, inputShape[3]];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["size"] = Size.ToArray().ToJson();
        config["interpolation"] = Interpolation;
        return config;
    }

    internal static UpSampling2D FromConfig(JsonObject c) =>
        new(Size2.FromArray(c.GetInts("size") ?? [2]), c.GetString("interpolation", "nearest")!, name: c.GetString("name"));
}

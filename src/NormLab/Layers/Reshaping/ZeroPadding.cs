using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>Adds zero steps at the start and end (keras.layers.ZeroPadding1D): (batch, steps, c) → (batch, before + steps + after, c).</summary>
/// <example><code>new ZeroPadding1D((2, 1))</code></example>
public sealed class ZeroPadding1D : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="padding">Zeros at both ends, or (before, after) (default 1).</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">The layer's name.</param>
    /// <exception cref="ArgumentException">When a padding is negative.</exception>
    public ZeroPadding1D(Edges1? padding = null, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        Padding = padding ?? 1;
        if (Padding.Before < 0 || Padding.After < 0) throw new ArgumentException($"{Describe()}: padding must be >= 0, received {Padding}.");
    }

    /// <summary>The zeros before and after the steps.</summary>
    public Edges1 Padding { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        RequireRank(x, 3, 3);
        return Ops.Pad(x, 1, Padding.Before, Padding.After);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 3, 3);
        return [inputShape[0], inputShape[1] + Padding.Total, inputShape[2]];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["padding"] = Padding.ToArray().ToJson();
        return config;
    }

    internal static ZeroPadding1D FromConfig(JsonObject c)
    {
        var p = c.GetInts("padding") ?? [1];
        return new(p.Length == 1 ? p[0] : (p[0], p[1]), name: c.GetString("name"));
    }
}

/// <summary>Adds rows and columns of zeros around each image (keras.layers.ZeroPadding2D).</summary>
/// <example><code>new ZeroPadding2D(((1, 2), (0, 1)))</code></example>
public sealed class ZeroPadding2D : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="padding">1 everywhere (default), (h, w), or ((top, bottom), (left, right)).</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">The layer's name.</param>
    /// <exception cref="ArgumentException">When a padding is negative.</exception>
    public ZeroPadding2D(Edges2? padding = null, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        Padding = padding ?? 1;
        if (Padding.Height.Before < 0 || Padding.Height.After < 0 || Padding.Width.Before < 0 || Padding.Width.After < 0)
            throw new ArgumentException($"{Describe()}: padding must be >= 0, received {Padding}.");
    }

    /// <summary>The zero rows (top, bottom) and columns (left, right).</summary>
    public Edges2 Padding { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        RequireRank(x, 4, 4);
        return Ops.Pad(Ops.Pad(x, 1, Padding.Height.Before, Padding.Height.After), 2, Padding.Width.Before, Padding.Width.After);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 4, 4);
        return [inputShape[0], inputShape[1] + Padding.Height.Total, inputShape[2] + Padding.Width.Total, inputShape[3]];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["padding"] = new JsonArray(Padding.Height.ToArray().ToJson(), Padding.Width.ToArray().ToJson());
        return config;
    }

    internal static ZeroPadding2D FromConfig(JsonObject c) => new(Cropping2D.ReadEdges(c, "padding", 1), name: c.GetString("name"));
}

using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>Removes steps at the start and end (keras.layers.Cropping1D): (batch, steps, c) → (batch, steps - before - after, c).</summary>
/// <example><code>new Cropping1D((1, 2))</code></example>
public sealed class Cropping1D : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="cropping">Steps removed at both ends, or (before, after) (default (1, 1)).</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">The layer's name.</param>
    /// <exception cref="ArgumentException">When a cropping is negative.</exception>
    public Cropping1D(Edges1? cropping = null, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        Cropping = cropping ?? 1;
        if (Cropping.Before < 0 || Cropping.After < 0) throw new ArgumentException($"{Describe()}: cropping must be >= 0, received {Cropping}.");
    }

    /// <summary>The steps removed before and after.</summary>
    public Edges1 Cropping { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Ops.Slice(x, 1, Cropping.Before, ComputeOutputShape(x.Shape)[1]);

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">When the input is not rank 3 or the cropping leaves no steps.</exception>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 3, 3);
        int steps = inputShape[1] - Cropping.Total;
        if (steps < 1)
            throw new ArgumentException($"{Describe()}: cropping {Cropping} leaves no steps of input of shape {Shapes.Format(inputShape)}.");
        return [inputShape[0], steps, inputShape[2]];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["cropping"] = Cropping.ToArray().ToJson();
        return config;
    }

    internal static Cropping1D FromConfig(JsonObject c)
    {
        var p = c.GetInts("cropping") ?? [1];
        return new(p.Length == 1 ? p[0] : (p[0], p[1]), name: c.GetString("name"));
    }
}

/// <summary>Removes rows and columns at the edges of each image (keras.layers.Cropping2D).</summary>
/// <example><code>new Cropping2D(((2, 2), (4, 4)))</code></example>
public sealed class Cropping2D : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="cropping">0 everywhere (default), one amount, (h, w), or ((top, bottom), (left, right)).</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">The layer's name.</param>
    /// <exception cref="ArgumentException">When a cropping is negative.</exception>
    public Cropping2D(Edges2? cropping = null, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        Cropping = cropping ?? 0;
        if (Cropping.Height.Before < 0 || Cropping.Height.After < 0 || Cropping.Width.Before < 0 || Cropping.Width.After < 0)
            throw new ArgumentException($"{Describe()}: cropping must be >= 0, received {Cropping}.");
    }

    /// <summary>The rows (top, bottom) and columns (left, right) removed.</summary>
    public Edges2 Cropping { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var shape = ComputeOutputShape(x.Shape);
        return Ops.Slice(Ops.Slice(x, 1, Cropping.Height.Before, shape[1]), 2, Cropping.Width.Before, shape[2]);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">When the input is not rank 4 or the cropping leaves no rows or columns.</exception>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 4, 4);
        int rows = inputShape[1] - Cropping.Height.Total, columns = inputShape[2] - Cropping.Width.Total;
        if (rows < 1 || columns < 1)
            throw new ArgumentException($"{Describe()}: cropping {Cropping} leaves no rows or columns of input of shape {Shapes.Format(inputShape)}.");
        return [inputShape[0], rows, columns, inputShape[3]];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["cropping"] = new JsonArray(Cropping.Height.ToArray().ToJson(), Cropping.Width.ToArray().ToJson());
        return config;
    }

    internal static Cropping2D FromConfig(JsonObject c) => new(ReadEdges(c, "cropping", 0), name: c.GetString("name"));

    /// <summary>A saved [[top, bottom], [left, right]] (or a single number) as <see cref="Edges2"/>.</summary>
    internal static Edges2 ReadEdges(JsonObject c, string key, int fallback)
    {
        if (c[key] is not JsonArray pairs) return c[key] is { } single ? single.GetValue<int>() : fallback;
        Edges1 Pair(JsonNode? node) => node is JsonArray p ? (p[0]!.GetValue<int>(), p[1]!.GetValue<int>()) : node!.GetValue<int>();
        return new Edges2(Pair(pairs[0]), Pair(pairs[1]));
    }
}

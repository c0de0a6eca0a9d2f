using System.Text.Json.Nodes;
using NormLab.Kernels;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// The shared shape handling of the global poolings: (batch, steps, c) or (batch, h, w, c) → (batch, c), or with
/// <c>keepdims</c> (batch, 1, c) / (batch, 1, 1, c), as Keras's.
/// </summary>
public abstract class GlobalPooling : Layer
{
    private protected GlobalPooling(int rank, bool keepdims, int[]? inputShape, string? name) : base(name, inputShape)
    {
        Rank = rank;
        Keepdims = keepdims;
    }

    /// <summary>The number of spatial axes pooled over: 1 (steps) or 2 (height and width).</summary>
    public int Rank { get; }
    /// <summary>Whether the pooled axes stay, with size 1.</summary>
    public bool Keepdims { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var shape = ComputeOutputShape(x.Shape);
        for (int axis = 1; axis <= Rank; axis++)
            if (x.Dims[axis] == 0)
                throw new ArgumentException($"{Describe()}: cannot pool over an empty axis {axis}, received input of shape {Shapes.Format(x.Dims)}.");
        return Ops.Reshape(Pool(x), shape);
    }

    /// <summary>The pooled values, in any shape of (batch, channels)'s size.</summary>
    private protected abstract Tensor Pool(Tensor x);

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, Rank + 2, Rank + 2);
        return Keepdims ? [inputShape[0], .. Enumerable.Repeat(1, Rank), inputShape[^1]] : [inputShape[0], inputShape[^1]];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["keepdims"] = Keepdims;
        return config;
    }

    /// <summary>The maximum over the spatial axes as one max-pooling window covering them all.</summary>
    private protected static Tensor MaxOverSpatial(Tensor x, int rank)
    {
        var image = rank == 1 ? Ops.Reshape(x, x.Dims[0], 1, x.Dims[1], x.Dims[2]) : x;
        var d = image.Dims;
        return Ops.MaxPool2D(image, Pool2DGeometry.Create(d[0], d[1], d[2], d[3], d[1], d[2], d[1], d[2], "valid"));
    }
}

/// <summary>The mean over steps (keras.layers.GlobalAveragePooling1D): (batch, steps, c) → (batch, c); over the real steps only when the input carries a mask (from <c>Embedding(maskZero: true)</c>).</summary>
/// <param name="keepdims">Keep the steps axis with size 1 (default false).</param>
/// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
/// <param name="name">The layer's name.</param>
public sealed class GlobalAveragePooling1D(bool keepdims = false, int[]? inputShape = null, string? name = null) : GlobalPooling(1, keepdims, inputShape, name)
{
    /// <summary>The mean over the real steps only where the input carries a (batch, steps) mask, as Keras (a fully masked sequence gives NaN, as there).</summary>
    private protected override Tensor Pool(Tensor x)
    {
        if (x.Mask is not { } mask || mask.Rank != 2) return Ops.Mean(x, [1]);
        var weights = Ops.Reshape(mask, mask.Dims[0], mask.Dims[1], 1);
        return Ops.Div(Ops.Sum(Ops.Mul(x, weights), [1]), Ops.Sum(weights, [1]));
    }

    internal static GlobalAveragePooling1D FromConfig(JsonObject c) => new(c.GetBool("keepdims", false), name: c.GetString("name"));
}

/// <summary>The mean over height and width (keras.layers.GlobalAveragePooling2D): (batch, h, w, c) → (batch, c).</summary>
/// <param name="keepdims">Keep height and width with size 1 (default false).</param>
/// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
/// <param name="name">The layer's name.</param>
public sealed class GlobalAveragePooling2D(bool keepdims = false, int[]? inputShape = null, string? name = null) : GlobalPooling(2, keepdims, inputShape, name)
{
    private protected override Tensor Pool(Tensor x) => Ops.Mean(x, [1, 2]);

    internal static GlobalAveragePooling2D FromConfig(JsonObject c) => new(c.GetBool("keepdims", false), name: c.GetString("name"));
}

/// <summary>The maximum over steps (keras.layers.GlobalMaxPooling1D): (batch, steps, c) → (batch, c).</summary>
/// <param name="keepdims">Keep the steps axis with size 1 (default false).</param>
/// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
/// <param name="name">The layer's name.</param>
public sealed class GlobalMaxPooling1D(bool keepdims = false, int[]? inputShape = null, string? name = null) : GlobalPooling(1, keepdims, inputShape, name)
{
    private protected override Tensor Pool(Tensor x) => MaxOverSpatial(x, 1);

    internal static GlobalMaxPooling1D FromConfig(JsonObject c) => new(c.GetBool("keepdims", false), name: c.GetString("name"));
}

/// <summary>The maximum over height and width (keras.layers.GlobalMaxPooling2D): (batch, h, w, c) → (batch, c).</summary>
/// <param name="keepdims">Keep height and width with size 1 (default false).</param>
/// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
/// <param name="name">The layer's name.</param>
public sealed class GlobalMaxPooling2D(bool keepdims = false, int[]? inputShape = null, string? name = null) : GlobalPooling(2, keepdims, inputShape, name)
{
    private protected override Tensor Pool(Tensor x) => MaxOverSpatial(x, 2);

    internal static GlobalMaxPooling2D FromConfig(JsonObject c) => new(c.GetBool("keepdims", false), name: c.GetString("name"));
}

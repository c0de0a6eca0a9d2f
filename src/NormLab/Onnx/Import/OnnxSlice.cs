using System.Text.Json.Nodes;
using NormLab.Layers;
using NormLab.Saving;

namespace NormLab.Onnx.Import;

/// <summary>Keeps a range of indices along one axis (ONNX's Slice with step 1, as attention's split of q, k and v).</summary>
public sealed class OnnxSlice : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="axis">The axis sliced, batch axis included in the numbering (>= 1).</param>
    /// <param name="start">The first index kept (>= 0).</param>
    /// <param name="length">How many indices are kept (>= 1).</param>
    /// <param name="name">The layer's name.</param>
    /// <exception cref="ArgumentException">When <paramref name="axis"/> is the batch axis, <paramref name="start"/> is negative or <paramref name="length"/> below 1.</exception>
    public OnnxSlice(int axis, int start, int length, string? name = null) : base(name)
    {
        if (axis < 1 || start < 0 || length < 1)
            throw new ArgumentException($"{Describe()}: expected an axis after the batch axis (>= 1), start >= 0 and length >= 1, received axis {axis}, start {start}, length {length}.");
        Axis = axis;
        Start = start;
        Length = length;
    }

    /// <summary>The axis sliced.</summary>
    public int Axis { get; }

    /// <summary>The first index kept.</summary>
    public int Start { get; }

    /// <summary>How many indices are kept.</summary>
    public int Length { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        ComputeOutputShape(x.Shape);
        return Ops.Slice(x, Axis, Start, Length);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">When the range falls outside the input's axis.</exception>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, Axis + 1);
        if (Start + Length > inputShape[Axis])
            throw new ArgumentException($"{Describe()}: [{Start}, {Start + Length}) is outside axis {Axis} of size {inputShape[Axis]} (input {Shapes.Format(inputShape)}).");
        int[] shape = (int[])inputShape.Clone();
        shape[Axis] = Length;
        return shape;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = Axis;
        config["start"] = Start;
        config["length"] = Length;
        return config;
    }

    internal static OnnxSlice FromConfig(JsonObject c) => new(c.GetInt("axis", 1), c.GetInt("start", 0), c.GetInt("length", 1), c.GetString("name"));
}

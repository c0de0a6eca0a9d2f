using System.Text.Json.Nodes;
using NormLab.Layers;
using NormLab.Saving;

namespace NormLab.Onnx.Import;

/// <summary>Takes one index along an axis and drops that axis (ONNX's Gather with a scalar index, as in y[:, -1]).</summary>
public sealed class OnnxGather : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="axis">The axis indexed, batch axis included in the numbering (>= 1).</param>
    /// <param name="index">The index; negative counts from the end.</param>
    /// <param name="name">The layer's name.</param>
    public OnnxGather(int axis, int index, string? name = null) : base(name)
    {
        if (axis < 1) throw new ArgumentException($"{Describe()}: axis must be an axis after the batch axis (>= 1), received {axis}.");
        Axis = axis;
        Index = index;
    }

    /// <summary>The axis indexed.</summary>
    public int Axis { get; }

    /// <summary>The index (negative from the end).</summary>
    public int Index { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var shape = ComputeOutputShape(x.Shape);
        int size = x.Dims[Axis];
        return Ops.Reshape(Ops.Slice(x, Axis, Index < 0 ? Index + size : Index, 1), shape);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, Axis + 1);
        int size = inputShape[Axis];
        if (Index < -size || Index >= size)
            throw new ArgumentException($"{Describe()}: index {Index} is outside axis {Axis} of size {size} (input {Shapes.Format(inputShape)}).");
        return inputShape.Where((_, i) => i != Axis).ToArray();
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = Axis;
        config["index"] = Index;
        return config;
    }

    internal static OnnxGather FromConfig(JsonObject c) => new(c.GetInt("axis", 1), c.GetInt("index", 0), c.GetString("name"));
}

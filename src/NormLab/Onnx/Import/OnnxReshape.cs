using System.Text.Json.Nodes;
using NormLab.Layers;
using NormLab.Saving;

namespace NormLab.Onnx.Import;

/// <summary>Reshapes each sample to a fixed shape (ONNX's Reshape with a static target; the batch axis is kept).</summary>
public sealed class OnnxReshape : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="targetShape">The shape of one sample after the reshape (no batch axis, no -1).</param>
    /// <param name="name">The layer's name.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="targetShape"/> is null.</exception>
    /// <exception cref="ArgumentException">When a dimension of <paramref name="targetShape"/> is below 1.</exception>
    public OnnxReshape(int[] targetShape, string? name = null) : base(name)
    {
        ArgumentNullException.ThrowIfNull(targetShape);
        if (targetShape.Any(d => d < 1))
            throw new ArgumentException($"{Describe()}: targetShape dimensions must be >= 1, received {Shapes.Format(targetShape)}.");
        TargetShape = (int[])targetShape.Clone();
    }

    /// <summary>The shape of one sample after the reshape.</summary>
    public int[] TargetShape { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        ComputeOutputShape(x.Shape);
        return Ops.Reshape(x, [x.Dims[0], .. TargetShape]);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">When the input has rank 0 or a sample's size differs from the target shape's.</exception>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 1);
        if (Shapes.SizeOf(inputShape.AsSpan(1)) != Shapes.SizeOf(TargetShape))
            throw new ArgumentException($"{Describe()}: cannot reshape samples of shape {Shapes.Format(inputShape.AsSpan(1))} to {Shapes.Format(TargetShape)}.");
        return [inputShape[0], .. TargetShape];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["target_shape"] = ConfigReader.ToJson(TargetShape);
        return config;
    }

    internal static OnnxReshape FromConfig(JsonObject c) => new(c.GetInts("target_shape") ?? [], c.GetString("name"));
}

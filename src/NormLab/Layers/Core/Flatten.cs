namespace NormLab.Layers;

/// <summary>Flattens every axis after the batch axis: (batch, a, b, c) → (batch, a*b*c).</summary>
/// <param name="inputShape">Optional input shape without the batch dimension, for the first layer of a model.</param>
/// <param name="name">Optional layer name; a unique one from the class name when null.</param>
public sealed class Flatten(int[]? inputShape = null, string? name = null) : Layer(name, inputShape)
{
    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        RequireRank(x, 1);
        // The features from the shape, not Size / batch: an empty batch keeps its feature count.
        return Ops.Reshape(x, x.Dims[0], Shapes.SizeOf(x.Dims[1..]));
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 1);
        return [inputShape[0], Shapes.SizeOf(inputShape.AsSpan(1))];
    }

    internal static Flatten FromConfig(System.Text.Json.Nodes.JsonObject c) => new(name: Saving.ConfigReader.GetString(c, "name"));
}

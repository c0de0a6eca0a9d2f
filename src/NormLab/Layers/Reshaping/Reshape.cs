using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>Gives each sample a new shape of the same size (keras.layers.Reshape); one dimension may be -1 (inferred).</summary>
/// <example><code>new Reshape([7, 7, 16]) // (batch, 784) → (batch, 7, 7, 16)</code></example>
public sealed class Reshape : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="targetShape">The shape of one sample, without the batch axis; at most one -1.</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">The layer's name.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="targetShape"/> is null.</exception>
    /// <exception cref="ArgumentException">When <paramref name="targetShape"/> holds 0, a size below -1, or more than one -1.</exception>
    public Reshape(int[] targetShape, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        ArgumentNullException.ThrowIfNull(targetShape);
        if (targetShape.Any(d => d < -1 || d == 0) || targetShape.Count(d => d == -1) > 1)
            throw new ArgumentException($"{Describe()}: targetShape must hold sizes >= 1 and at most one -1, received {Shapes.Format(targetShape)}.");
        TargetShape = (int[])targetShape.Clone();
    }

    /// <summary>The shape of one sample after the layer (may hold one -1).</summary>
    public int[] TargetShape { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Ops.Reshape(x, ComputeOutputShape(x.Shape));

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">When the input has rank 0 or its samples cannot be reshaped to the target shape.</exception>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 1);
        int size = Shapes.SizeOf(inputShape.AsSpan(1));
        int known = TargetShape.Where(d => d != -1).Aggregate(1, (a, b) => a * b);
        var shape = TargetShape.Select(d => d == -1 ? size / known : d).ToArray();
        if (size % known != 0 || Shapes.SizeOf(shape) != size)
            throw new ArgumentException($"{Describe()}: cannot reshape samples of shape {Shapes.Format(inputShape.AsSpan(1))} ({size} values) into {Shapes.Format(TargetShape)}.");
        return [inputShape[0], .. shape];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["target_shape"] = TargetShape.ToJson();
        return config;
    }

    internal static Reshape FromConfig(JsonObject c) => new(c.GetInts("target_shape") ?? [], name: c.GetString("name"));
}

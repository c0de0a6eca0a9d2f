using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>Reorders the axes of each sample (keras.layers.Permute); <c>dims</c> counts from 1 (the batch axis stays first).</summary>
/// <example><code>new Permute([2, 1]) // (batch, steps, features) → (batch, features, steps)</code></example>
public sealed class Permute : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="dims">A permutation of 1..rank-1 (the non-batch axes).</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">The layer's name.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="dims"/> is null.</exception>
    /// <exception cref="ArgumentException">When <paramref name="dims"/> is not a permutation of 1..dims.Length.</exception>
    public Permute(int[] dims, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        ArgumentNullException.ThrowIfNull(dims);
        if (!dims.Order().SequenceEqual(Enumerable.Range(1, dims.Length)))
            throw new ArgumentException($"{Describe()}: dims must be a permutation of 1..{dims.Length}, received [{string.Join(", ", dims)}].");
        Dims = (int[])dims.Clone();
    }

    /// <summary>The new order of the non-batch axes, counted from 1.</summary>
    public int[] Dims { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        RequireRank(x, Dims.Length + 1, Dims.Length + 1);
        return Ops.Transpose(x, [0, .. Dims]);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, Dims.Length + 1, Dims.Length + 1);
        return [inputShape[0], .. Dims.Select(d => inputShape[d])];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["dims"] = Dims.ToJson();
        return config;
    }

    internal static Permute FromConfig(JsonObject c) => new(c.GetInts("dims") ?? [], name: c.GetString("name"));
}

using System.Text.Json.Nodes;
using NormLab.Layers;
using NormLab.Saving;

namespace NormLab.Onnx.Import;

/// <summary>
/// Permutes the axes (batch axis included, and it must stay first): ONNX's Transpose, and the layout
/// changes an imported model makes between ONNX's channels-first and NormLab's channels-last tensors.
/// </summary>
public sealed class OnnxTranspose : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="perm">The permutation of all axes, batch first (perm[0] == 0).</param>
    /// <param name="name">The layer's name.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="perm"/> is null.</exception>
    /// <exception cref="ArgumentException">When <paramref name="perm"/> is not a permutation of the axes with the batch axis first.</exception>
    public OnnxTranspose(int[] perm, string? name = null) : base(name)
    {
        ArgumentNullException.ThrowIfNull(perm);
        if (perm.Length < 1 || perm[0] != 0 || !perm.Order().SequenceEqual(Enumerable.Range(0, perm.Length)))
            throw new ArgumentException($"{Describe()}: perm must be a permutation of the axes that keeps the batch axis first, received [{string.Join(", ", perm)}].");
        Perm = (int[])perm.Clone();
    }

    /// <summary>The permutation, batch axis included.</summary>
    public int[] Perm { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        RequireRank(x, Perm.Length, Perm.Length);
        return Ops.Transpose(x, Perm);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, Perm.Length, Perm.Length);
        return Perm.Select(a => inputShape[a]).ToArray();
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["perm"] = ConfigReader.ToJson(Perm);
        return config;
    }

    internal static OnnxTranspose FromConfig(JsonObject c) => new(c.GetInts("perm") ?? [], c.GetString("name"));
}

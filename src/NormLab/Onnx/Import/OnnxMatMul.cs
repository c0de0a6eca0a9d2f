using System.Text.Json.Nodes;
using NormLab.Layers;
using NormLab.Saving;

namespace NormLab.Onnx.Import;

/// <summary>
/// The matrix product of two computed tensors over their last two axes, batched over the others (ONNX's
/// MatMul of two activations, as attention's q·kᵀ and scores·v): (batch, ..., m, k) · (batch, ..., k, n)
/// → (batch, ..., m, n), the leading axes equal in both.
/// </summary>
public sealed class OnnxMatMul : MergeLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="name">The layer's name.</param>
    public OnnxMatMul(string? name = null) : base(name) { }

    /// <inheritdoc/>
    protected override Tensor Merge(IReadOnlyList<Tensor> inputs)
    {
        if (inputs.Count != 2) throw new ArgumentException($"{Describe()}: expects 2 inputs, received {inputs.Count}.");
        var (a, b) = (inputs[0], inputs[1]);
        if (a.Rank < 3 || a.Rank != b.Rank || a.Dims[^1] != b.Dims[^2] || !a.Dims[..^2].SequenceEqual(b.Dims[..^2]))
            throw new ArgumentException($"{Describe()}: expected (batch, ..., m, k) and (batch, ..., k, n) with the same leading sizes, received {Shapes.Format(a.Dims)} and {Shapes.Format(b.Dims)}.");
        int[] shape = [.. a.Dims[..^1], b.Dims[^1]];
        int matrices = Shapes.SizeOf(a.Dims[..^2]);
        var product = Ops.BatchMatMul(Ops.Reshape(a, matrices, a.Dims[^2], a.Dims[^1]), Ops.Reshape(b, matrices, b.Dims[^2], b.Dims[^1]));
        return Ops.Reshape(product, shape);
    }

    internal static OnnxMatMul FromConfig(JsonObject c) => new(c.GetString("name"));
}

using NormLab.Layers;
using static NormLab.Onnx.OnnxGraph;

namespace NormLab.Onnx;

/// <summary>MultiHeadAttention as MatMul, Reshape, Transpose and Softmax, in Keras's weight layout.</summary>
internal static class AttentionExport
{
    /// <summary>
    /// softmax(q kᵀ / sqrt(keyDim)) v per head, then the output projection; inputs (query, value, key),
    /// value defaulting to the query and key to the value (self-attention with one input).
    /// </summary>
    internal static OnnxValue MultiHeadAttention(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var mha = (MultiHeadAttention)layer;
        if (mha.QkNorm is string qkNorm)
            throw new NotSupportedException($"ExportOnnx: layer '{layer.Name}' normalizes queries and keys (qkNorm '{qkNorm}'), which does not export yet.");
        var query = g.Layout(inputs[0], channelsFirst: false);
        var value = inputs.Count > 1 ? g.Layout(inputs[1], channelsFirst: false) : query;
        var key = inputs.Count > 2 ? g.Layout(inputs[2], channelsFirst: false) : value;
        int heads = mha.NumHeads;
        var q = Heads(g, layer, "query", query.Name, [0, 2, 1, 3]);
        var kTransposed = Heads(g, layer, "key", key.Name, [0, 2, 3, 1]);
        var v = Heads(g, layer, "value", value.Name, [0, 2, 1, 3]);
        var scaled = g.Node("Mul", layer.Name, [q, g.Scalar(layer.Name + "/scale", 1 / Math.Sqrt(mha.KeyDim))]);
        var probabilities = g.Node("Softmax", layer.Name, [g.Node("MatMul", layer.Name, [scaled, kTransposed])], Attr("axis", -1));
        var attended = g.Node("Transpose", layer.Name, [g.Node("MatMul", layer.Name, [probabilities, v])], Attr("perm", [0, 2, 1, 3]));
        var merged = g.Node("Reshape", layer.Name, [attended, g.Int64s(layer.Name + "/merge", 0, 0, heads * mha.ValueDim)]);
        var outputKernel = OnnxLayers.RequiredWeight(layer, "attention_output/kernel");
        var output = g.Node("MatMul", layer.Name, [merged, g.Initializer(layer.Name + "/attention_output/kernel", outputKernel.ToArray(), heads * mha.ValueDim, outputKernel.Dims[2])]);
        if (OnnxLayers.Weight(layer, "attention_output/bias") is Tensor bias)
            output = g.Node("Add", layer.Name, [output, g.Initializer(layer.Name + "/attention_output/bias", bias)]);
        return query with { Name = output };
    }

    /// <summary>A transformer block: its attention and feed-forward branches with the block's residual placement of its norms.</summary>
    internal static OnnxValue TransformerEncoder(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var block = (TransformerEncoder)layer;
        var p = block.Parts;
        var x = g.Layout(inputs[0], channelsFirst: false);
        x = Residual(g, block, x, h => MultiHeadAttention(g, p.Attention, [h]), p.AttentionNorm, p.AttentionOutputNorm);
        return Residual(g, block, x, h => OnnxLayers.Export(g, p.Output, [OnnxLayers.Export(g, p.Intermediate, [h])]), p.FeedforwardNorm, p.FeedforwardOutputNorm);
    }

    /// <summary>post: norm(alpha x + branch(x)); pre and sandwich: x + outputNorm(branch(norm(x))).</summary>
    private static OnnxValue Residual(OnnxGraph g, TransformerEncoder block, OnnxValue x, Func<OnnxValue, OnnxValue> branch, Layer? norm, Layer? outputNorm)
    {
        OnnxValue Norm(Layer? l, OnnxValue h) => l == null ? h : g.Layout(OnnxLayers.Export(g, l, [h]), channelsFirst: false);
        if (block.NormPlacement == "post")
        {
            var skip = block.DeepNormLayers > 0 ? g.Node("Mul", block.Name, [x.Name, g.Scalar(block.Name + "/alpha", block.ResidualScale)]) : x.Name;
            return Norm(norm, x with { Name = g.Node("Add", block.Name, [skip, g.Layout(branch(x), channelsFirst: false).Name]) });
        }
        var y = Norm(outputNorm, g.Layout(branch(Norm(norm, x)), channelsFirst: false));
        return x with { Name = g.Node("Add", block.Name, [x.Name, y.Name]) };
    }

    /// <summary>x (batch, time, features) projected by a (features, heads, depth) kernel and split into heads, then permuted.</summary>
    private static string Heads(OnnxGraph g, Layer layer, string name, string x, int[] permutation)
    {
        var kernel = OnnxLayers.RequiredWeight(layer, name + "/kernel");
        int features = kernel.Dims[0], heads = kernel.Dims[1], depth = kernel.Dims[2];
        var projected = g.Node("MatMul", layer.Name, [x, g.Initializer($"{layer.Name}/{name}/kernel", kernel.ToArray(), features, heads * depth)]);
        if (OnnxLayers.Weight(layer, name + "/bias") is Tensor bias)
            projected = g.Node("Add", layer.Name, [projected, g.Initializer($"{layer.Name}/{name}/bias", bias.ToArray(), heads * depth)]);
        var split = g.Node("Reshape", layer.Name, [projected, g.Int64s($"{layer.Name}/{name}/heads", 0, 0, heads, depth)]);
        return g.Node("Transpose", layer.Name, [split], Attr("perm", permutation));
    }
}

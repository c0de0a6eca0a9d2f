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

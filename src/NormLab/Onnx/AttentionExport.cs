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
        var q = g.Node("Transpose", layer.Name, [QkNormalize(g, mha, "query", Heads(g, layer, "query", query.Name))], Attr("perm", [0, 2, 1, 3]));
        var kTransposed = g.Node("Transpose", layer.Name, [QkNormalize(g, mha, "key", Heads(g, layer, "key", key.Name))], Attr("perm", [0, 2, 3, 1]));
        var v = g.Node("Transpose", layer.Name, [Heads(g, layer, "value", value.Name)], Attr("perm", [0, 2, 1, 3]));
        // "l2" replaces 1/sqrt(keyDim) by the learned scale, already applied to the queries.
        var scaled = mha.QkNorm == "l2" ? q : g.Node("Mul", layer.Name, [q, g.Scalar(layer.Name + "/scale", 1 / Math.Sqrt(mha.KeyDim))]);
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

    /// <summary>
    /// The layer's qkNorm of queries or keys (batch, time, heads, depth) over depth: LayerNorm or RMSNorm with the
    /// <paramref name="name"/>_norm weights shared by the heads, or for "l2" g·x / max(‖x‖₂, epsilon) with g the
    /// learned qk_scale for the queries and 1 for the keys; x unchanged without qkNorm.
    /// </summary>
    private static string QkNormalize(OnnxGraph g, MultiHeadAttention mha, string name, string x)
    {
        string hint = $"{mha.Name}/{name}_norm";
        const double epsilon = Layers.MultiHeadAttention.QkEpsilon;
        string Weight(string weight) => g.Initializer($"{hint}/{weight}", OnnxLayers.RequiredWeight(mha, $"{name}_norm/{weight}"));
        switch (mha.QkNorm)
        {
            case "layer" when g.Opset >= 17:
                return g.Node("LayerNormalization", hint, [x, Weight("gamma"), Weight("beta")], Attr("axis", -1), Attr("epsilon", epsilon));
            case "layer":
                var standardized = NormalizationExport.Standardize(g, hint, x, [3], epsilon, center: true);
                return g.Node("Add", hint, [g.Node("Mul", hint, [standardized, Weight("gamma")]), Weight("beta")]);
            case "rms":
                return g.Node("Mul", hint, [NormalizationExport.RootMeanSquare(g, hint, x, [3], epsilon), Weight("scale")]);
            case "l2":
                var norm = g.Node("Sqrt", hint, [g.ReduceSum(hint, g.Node("Mul", hint, [x, x]), 3)]);
                var unit = g.Node("Div", hint, [x, g.Node("Max", hint, [norm, g.Scalar(hint + "/epsilon", epsilon)])]);
                return name == "query" ? g.Node("Mul", hint, [unit, g.Initializer(hint + "/qk_scale", OnnxLayers.RequiredWeight(mha, "qk_scale"))]) : unit;
            default:
                return x;
        }
    }

    /// <summary>x (batch, time, features) projected by a (features, heads, depth) kernel and split into (batch, time, heads, depth).</summary>
    private static string Heads(OnnxGraph g, Layer layer, string name, string x)
    {
        var kernel = OnnxLayers.RequiredWeight(layer, name + "/kernel");
        int features = kernel.Dims[0], heads = kernel.Dims[1], depth = kernel.Dims[2];
        var projected = g.Node("MatMul", layer.Name, [x, g.Initializer($"{layer.Name}/{name}/kernel", kernel.ToArray(), features, heads * depth)]);
        if (OnnxLayers.Weight(layer, name + "/bias") is Tensor bias)
            projected = g.Node("Add", layer.Name, [projected, g.Initializer($"{layer.Name}/{name}/bias", bias.ToArray(), heads * depth)]);
        return g.Node("Reshape", layer.Name, [projected, g.Int64s($"{layer.Name}/{name}/heads", 0, 0, heads, depth)]);
    }
}

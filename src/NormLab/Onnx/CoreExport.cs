using NormLab.Layers;
using NormLab.Onnx.Proto;
using static NormLab.Onnx.OnnxGraph;

namespace NormLab.Onnx;

/// <summary>Dense, Activation, Dropout, Flatten, Embedding and the merge layers.</summary>
internal static class CoreExport
{
    internal static OnnxValue Dense(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs) =>
        DenseWith(g, (Dense)layer, inputs[0], ((Dense)layer).Kernel!);

    /// <summary>The Dense layer with <paramref name="kernel"/> in place of its own (the weight wrappers fold theirs in).</summary>
    internal static OnnxValue DenseWith(OnnxGraph g, Dense dense, OnnxValue input, Tensor kernel)
    {
        var x = g.Layout(input, channelsFirst: false);
        var y = g.Node("MatMul", dense.Name, [x.Name, g.Initializer(dense.Name + "/kernel", kernel)]);
        if (dense.Bias != null) y = g.Node("Add", dense.Name, [y, g.Initializer(dense.Name + "/bias", dense.Bias)]);
        return x with { Name = OnnxActivations.Apply(g, dense.Name, y, dense.Activation.Name) };
    }

    internal static OnnxValue Activation(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var activation = ((Activation)layer).Function.Name;
        // Softmax works on the last axis of NormLab's layout.
        var x = activation == "softmax" ? g.Layout(inputs[0], channelsFirst: false) : inputs[0];
        return x with { Name = OnnxActivations.Apply(g, layer.Name, x.Name, activation) };
    }

    /// <summary>Layers that do nothing at inference (dropout and noise).</summary>
    internal static OnnxValue Identity(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs) => inputs[0];

    internal static OnnxValue Flatten(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var x = g.Layout(inputs[0], channelsFirst: false);
        return x with { Name = g.Node("Flatten", layer.Name, [x.Name], Attr("axis", 1)) };
    }

    internal static OnnxValue Embedding(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        if (((Embedding)layer).MaskZero)
            throw new NotSupportedException($"ExportOnnx: layer '{layer.Name}' masks padding (maskZero); masks do not export to ONNX.");
        var table = g.Initializer(layer.Name + "/embeddings", ((Embedding)layer).Embeddings!);
        var indices = g.Node("Cast", layer.Name, [inputs[0].Name], Attr("to", (long)TensorProto.Types.DataType.Int64));
        return inputs[0] with { Name = g.Node("Gather", layer.Name, [table, indices], Attr("axis", 0)) };
    }

    internal static OnnxValue Add(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var values = inputs.Select(v => g.Layout(v, inputs[0].ChannelsFirst)).ToList();
        var sum = values[0].Name;
        for (int i = 1; i < values.Count; i++) sum = g.Node("Add", layer.Name, [sum, values[i].Name]);
        return values[0] with { Name = sum };
    }

    internal static OnnxValue Concatenate(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var values = inputs.Select(v => g.Layout(v, channelsFirst: false)).ToList();
        int axis = ((Concatenate)layer).Axis;
        if (axis < 0) axis += values[0].Rank;
        return values[0] with { Name = g.Node("Concat", layer.Name, values.Select(v => v.Name).ToArray(), Attr("axis", axis)) };
    }
}

using NormLab.Layers;
using static NormLab.Onnx.OnnxGraph;

namespace NormLab.Onnx;

/// <summary>
/// LSTM, GRU and SimpleRNN as ONNX's LSTM, GRU (linear_before_reset, Keras's reset_after) and RNN
/// operators, time-major as ONNX Runtime runs them, weights reordered from Keras's gate order;
/// Bidirectional and TimeDistributed around them.
/// </summary>
internal static class RecurrentExport
{
    internal static OnnxValue Recurrent(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var rnn = (RecurrentLayer)layer;
        var x = g.Layout(inputs[0], channelsFirst: false);
        int units = rnn.Units;
        var (op, kerasGateOfOnnxGate, attributes) = rnn switch
        {
            // Keras orders an LSTM's gates i, f, c, o; ONNX orders them i, o, f, c.
            LSTM lstm => ("LSTM", new[] { 0, 3, 1, 2 }, RequireTanhSigmoid(lstm, lstm.Activation.Name, lstm.RecurrentActivation.Name)),
            GRU => ("GRU", new[] { 0, 1, 2 }, new[] { Attr("linear_before_reset", 1) }),
            SimpleRNN simple => ("RNN", new[] { 0 }, new[] { Attr("activations", [OnnxActivationName(simple, simple.Activation.Name)]) }),
            _ => throw new NotSupportedException($"ExportOnnx: layer '{layer.Name}' of type {layer.GetType().Name} has no ONNX mapping."),
        };
        int gates = kerasGateOfOnnxGate.Length;
        var kernel = OnnxLayers.RequiredWeight(layer, "kernel");
        var recurrent = OnnxLayers.RequiredWeight(layer, "recurrent_kernel");
        var w = g.Initializer(layer.Name + "/W", Gates(kernel, units, kerasGateOfOnnxGate), 1, gates * units, kernel.Dims[0]);
        var r = g.Initializer(layer.Name + "/R", Gates(recurrent, units, kerasGateOfOnnxGate), 1, gates * units, units);
        var b = g.Initializer(layer.Name + "/B", Biases(layer, units, kerasGateOfOnnxGate), 1, 2 * gates * units);
        var timeMajor = g.Node("Transpose", layer.Name, [x.Name], Attr("perm", [1, 0, 2]));
        var outputs = g.NodeOutputs(op, layer.Name, [timeMajor, w, r, b], 2,
            [Attr("hidden_size", units), Attr("direction", rnn.GoBackwards ? "reverse" : "forward"), .. attributes]);
        if (!rnn.ReturnSequences)
            return x with { Name = g.Node("Reshape", layer.Name, [outputs[1], g.Int64s(layer.Name + "/last", -1, units)]) };
        // Y is (steps, 1, batch, units). Going backwards, Keras lists the outputs in processing order: reverse them.
        var y = rnn.GoBackwards ? Reverse(g, layer.Name, outputs[0], axis: 0) : outputs[0];
        return x with { Name = g.Node("Reshape", layer.Name, [g.Node("Transpose", layer.Name, [y], Attr("perm", [2, 0, 1, 3])), g.Int64s(layer.Name + "/sequence", 0, 0, units)]) };
    }

    internal static OnnxValue Bidirectional(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var bi = (Bidirectional)layer;
        var forward = OnnxLayers.Export(g, bi.ForwardLayer, inputs);
        var backward = OnnxLayers.Export(g, bi.BackwardLayer, inputs).Name;
        if (bi.ForwardLayer.ReturnSequences) backward = Reverse(g, layer.Name, backward, axis: 1);
        var merged = bi.MergeMode switch
        {
            "concat" => g.Node("Concat", layer.Name, [forward.Name, backward], Attr("axis", -1)),
            "sum" => g.Node("Add", layer.Name, [forward.Name, backward]),
            "ave" => g.Node("Mul", layer.Name, [g.Node("Add", layer.Name, [forward.Name, backward]), g.Scalar(layer.Name + "/half", 0.5)]),
            _ => g.Node("Mul", layer.Name, [forward.Name, backward]),
        };
        return forward with { Name = merged };
    }

    /// <summary>The wrapped layer on (batch * steps, ...) and the result folded back to (batch, steps, ...).</summary>
    internal static OnnxValue TimeDistributed(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var inner = ((TimeDistributed)layer).Layer;
        var x = g.Layout(inputs[0], channelsFirst: false);
        int steps = x.Shape[1];
        long[] folded = [-1, .. x.Shape[2..].Select(d => (long)d)];
        var merged = new OnnxValue(g.Node("Reshape", layer.Name, [x.Name, g.Int64s(layer.Name + "/fold", folded)]), [-1, .. x.Shape[2..]]);
        var y = g.Layout(OnnxLayers.Export(g, inner, [merged]), channelsFirst: false);
        long[] unfolded = [-1, steps, .. y.Shape[1..].Select(d => (long)d)];
        return y with { Name = g.Node("Reshape", layer.Name, [y.Name, g.Int64s(layer.Name + "/unfold", unfolded)]) };
    }

    private static string Reverse(OnnxGraph g, string hint, string x, int axis) =>
        g.Node("Slice", hint, [x, g.Int64s(hint + "/rev_start", -1), g.Int64s(hint + "/rev_end", long.MinValue), g.Int64s(hint + "/rev_axis", axis), g.Int64s(hint + "/rev_step", -1)]);

    private static Proto.AttributeProto[] RequireTanhSigmoid(Layer layer, string activation, string recurrentActivation) =>
        activation == "tanh" && recurrentActivation == "sigmoid" ? []
            : throw new NotSupportedException($"ExportOnnx: layer '{layer.Name}' uses activation '{activation}' and recurrent activation '{recurrentActivation}'; the ONNX export supports tanh and sigmoid.");

    private static string OnnxActivationName(Layer layer, string activation) => activation switch
    {
        "tanh" => "Tanh",
        "relu" => "Relu",
        "sigmoid" => "Sigmoid",
        _ => throw new NotSupportedException($"ExportOnnx: layer '{layer.Name}' uses activation '{activation}'; ONNX's RNN takes tanh, relu or sigmoid."),
    };

    /// <summary>A (rows, gates * units) Keras kernel as ONNX's (gates * units, rows), gates reordered.</summary>
    private static float[] Gates(Tensor kernel, int units, int[] kerasGateOfOnnxGate)
    {
        int rows = kernel.Dims[0], gates = kerasGateOfOnnxGate.Length;
        var data = kernel.ToArray();
        var result = new float[gates * units * rows];
        for (int gate = 0; gate < gates; gate++)
            for (int u = 0; u < units; u++)
                for (int i = 0; i < rows; i++)
                    result[(gate * units + u) * rows + i] = data[i * gates * units + kerasGateOfOnnxGate[gate] * units + u];
        return result;
    }

    /// <summary>ONNX's input bias then recurrent bias: Keras's one bias and zeros, or GRU's (2, 3 units) rows as they are.</summary>
    private static float[] Biases(Layer layer, int units, int[] kerasGateOfOnnxGate)
    {
        int gates = kerasGateOfOnnxGate.Length;
        var result = new float[2 * gates * units];
        if (OnnxLayers.Weight(layer, "bias") is not Tensor bias) return result;
        var data = bias.ToArray();
        for (int half = 0; half < data.Length / (gates * units); half++)
            for (int gate = 0; gate < gates; gate++)
                Array.Copy(data, half * gates * units + kerasGateOfOnnxGate[gate] * units, result, half * gates * units + gate * units, units);
        return result;
    }
}

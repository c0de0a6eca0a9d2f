using NormLab.Layers;
using static NormLab.Onnx.OnnxGraph;

namespace NormLab.Onnx;

/// <summary>LSTM as ONNX's LSTM operator (time-major, as ONNX Runtime runs it), its weights reordered from Keras's gates.</summary>
internal static class RecurrentExport
{
    /// <summary>Keras orders the gates i, f, c, o; ONNX orders them i, o, f, c.</summary>
    private static readonly int[] KerasGateOfOnnxGate = [0, 3, 1, 2];

    internal static OnnxValue Lstm(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var lstm = (LSTM)layer;
        if (lstm.Activation.Name != "tanh" || lstm.RecurrentActivation.Name != "sigmoid")
            throw new NotSupportedException($"ExportOnnx: layer '{layer.Name}' uses activation '{lstm.Activation.Name}' and recurrent activation '{lstm.RecurrentActivation.Name}'; the ONNX export supports tanh and sigmoid.");
        var x = g.Layout(inputs[0], channelsFirst: false);
        int units = lstm.Units;
        var kernel = OnnxLayers.RequiredWeight(layer, "kernel");
        var recurrent = OnnxLayers.RequiredWeight(layer, "recurrent_kernel");
        var w = g.Initializer(layer.Name + "/W", Gates(kernel, units), 1, 4 * units, kernel.Dims[0]);
        var r = g.Initializer(layer.Name + "/R", Gates(recurrent, units), 1, 4 * units, units);
        var b = new float[8 * units];   // ONNX adds an input bias and a recurrent bias: Keras's bias, then zeros.
        if (OnnxLayers.Weight(layer, "bias") is Tensor bias)
            for (int gate = 0; gate < 4; gate++)
                Array.Copy(bias.ToArray(), KerasGateOfOnnxGate[gate] * units, b, gate * units, units);
        var timeMajor = g.Node("Transpose", layer.Name, [x.Name], Attr("perm", [1, 0, 2]));
        var outputs = g.NodeOutputs("LSTM", layer.Name, [timeMajor, w, r, g.Initializer(layer.Name + "/B", b, 1, 8 * units)], 2,
            Attr("hidden_size", units));
        // Y is (steps, 1, batch, units) and Y_h (1, batch, units).
        var y = lstm.ReturnSequences
            ? g.Node("Reshape", layer.Name, [g.Node("Transpose", layer.Name, [outputs[0]], Attr("perm", [2, 0, 1, 3])), g.Int64s(layer.Name + "/sequence", 0, 0, units)])
            : g.Node("Reshape", layer.Name, [outputs[1], g.Int64s(layer.Name + "/last", -1, units)]);
        return x with { Name = y };
    }

    /// <summary>A (rows, 4 units) Keras kernel as ONNX's (4 units, rows), gates reordered.</summary>
    private static float[] Gates(Tensor kernel, int units)
    {
        int rows = kernel.Dims[0];
        var data = kernel.ToArray();
        var result = new float[4 * units * rows];
        for (int gate = 0; gate < 4; gate++)
            for (int u = 0; u < units; u++)
                for (int i = 0; i < rows; i++)
                    result[(gate * units + u) * rows + i] = data[i * 4 * units + KerasGateOfOnnxGate[gate] * units + u];
        return result;
    }
}

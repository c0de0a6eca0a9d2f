using System.Text.Json.Nodes;
using NormLab.Layers;
using static NormLab.Onnx.OnnxGraph;

namespace NormLab.Onnx;

/// <summary>The reshaping layers and the merge layers, on channels-last values, hyperparameters from their Keras configs.</summary>
internal static class ShapeAndMergeExport
{
    internal static OnnxValue Reshape(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var x = g.Layout(inputs[0], channelsFirst: false);
        long[] shape = [0, .. Ints(layer.GetConfig()["target_shape"]).Select(d => (long)d)];
        return x with { Name = g.Node("Reshape", layer.Name, [x.Name, g.Int64s(layer.Name + "/shape", shape)]) };
    }

    internal static OnnxValue Permute(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var x = g.Layout(inputs[0], channelsFirst: false);
        return x with { Name = g.Node("Transpose", layer.Name, [x.Name], Attr("perm", [0, .. Ints(layer.GetConfig()["dims"])])) };
    }

    /// <summary>(batch, features) to (batch, n, features): a size-1 axis expanded.</summary>
    internal static OnnxValue RepeatVector(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var x = g.Layout(inputs[0], channelsFirst: false);
        int n = layer.GetConfig()["n"]!.GetValue<int>(), features = x.Shape[1];
        var column = g.Node("Reshape", layer.Name, [x.Name, g.Int64s(layer.Name + "/column", 0, 1, features)]);
        return x with { Name = g.Node("Expand", layer.Name, [column, g.Int64s(layer.Name + "/repeat", 1, n, features)]) };
    }

    /// <summary>Nearest: every step (pixel) repeated by reshaping around an expanded axis; bilinear (2-D): ONNX's half-pixel Resize.</summary>
    internal static OnnxValue UpSampling(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var x = g.Layout(inputs[0], channelsFirst: false);
        var config = layer.GetConfig();
        int[] factors = config["size"] is JsonArray ? Ints(config["size"]) : [config["size"]!.GetValue<int>()];
        int channels = x.Shape[^1];
        int[] spatial = x.Shape[1..^1];
        if (config["interpolation"]?.GetValue<string>() == "bilinear")
            return x with { Name = ActivationAndPreprocessingExport.ResizeTo(g, layer.Name, x.Name, spatial[0] * factors[0], spatial[1] * factors[1], channels, bilinear: true) };
        // (batch, s1, 1, s2, 1, channels) expanded to (batch, s1, f1, s2, f2, channels), then merged.
        long[] split = [0, .. spatial.SelectMany(d => new long[] { d, 1 }), channels];
        long[] expand = [1, .. factors.SelectMany(f => new long[] { 1, f }), 1];
        long[] merged = [0, .. spatial.Select((d, i) => (long)d * factors[i]), channels];
        var y = g.Node("Reshape", layer.Name, [x.Name, g.Int64s(layer.Name + "/split", split)]);
        y = g.Node("Expand", layer.Name, [y, g.Int64s(layer.Name + "/expand", expand)]);
        return x with { Name = g.Node("Reshape", layer.Name, [y, g.Int64s(layer.Name + "/merged", merged)]) };
    }

    internal static OnnxValue ZeroPadding(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var x = g.Layout(inputs[0], channelsFirst: false);
        var edges = Edges(layer.GetConfig()["padding"]);
        long[] pads = [0, .. edges.Select(e => (long)e.Before), 0, 0, .. edges.Select(e => (long)e.After), 0];
        return x with { Name = g.Node("Pad", layer.Name, [x.Name, g.Int64s(layer.Name + "/pads", pads)]) };
    }

    internal static OnnxValue Cropping(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var x = g.Layout(inputs[0], channelsFirst: false);
        var edges = Edges(layer.GetConfig()["cropping"]);
        long[] starts = edges.Select(e => (long)e.Before).ToArray();
        long[] ends = edges.Select((e, a) => (long)(x.Shape[1 + a] - e.After)).ToArray();
        long[] axes = Enumerable.Range(1, edges.Length).Select(a => (long)a).ToArray();
        return x with { Name = g.Node("Slice", layer.Name, [x.Name, g.Int64s(layer.Name + "/starts", starts), g.Int64s(layer.Name + "/ends", ends), g.Int64s(layer.Name + "/axes", axes)]) };
    }

    internal static OnnxValue Elementwise(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var values = inputs.Select(v => g.Layout(v, channelsFirst: false).Name).ToArray();
        var y = layer switch
        {
            Multiply => values.Skip(1).Aggregate(values[0], (acc, v) => g.Node("Mul", layer.Name, [acc, v])),
            Subtract => g.Node("Sub", layer.Name, values),
            Maximum => g.Node("Max", layer.Name, values),
            Minimum => g.Node("Min", layer.Name, values),
            _ => g.Node("Mul", layer.Name, [g.Node("Sum", layer.Name, values), g.Scalar(layer.Name + "/mean", 1.0 / values.Length)]),
        };
        return g.Layout(inputs[0], channelsFirst: false) with { Name = y };
    }

    /// <summary>Keras's batch dot as an Einsum: the batch kept, one axis of each contracted, the rest of a then of b; (batch,) becomes (batch, 1).</summary>
    internal static OnnxValue Dot(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var a = g.Layout(inputs[0], channelsFirst: false);
        var b = g.Layout(inputs[1], channelsFirst: false);
        var config = layer.GetConfig();
        int[] axes = config["axes"] is JsonArray ? Ints(config["axes"]) : [config["axes"]!.GetValue<int>(), config["axes"]!.GetValue<int>()];
        int axisA = axes[0] < 0 ? axes[0] + a.Rank : axes[0], axisB = axes[1] < 0 ? axes[1] + b.Rank : axes[1];
        string left = a.Name, right = b.Name;
        if (config["normalize"]?.GetValue<bool>() == true)
            (left, right) = (L2Normalize(g, layer.Name, left, axisA), L2Normalize(g, layer.Name, right, axisB));
        const string letters = "abcdefghijklmnopqrstuvwxy";
        var termA = "z" + new string(letters[..(a.Rank - 1)].ToArray());
        var termB = "z" + new string(letters[(a.Rank - 1)..(a.Rank + b.Rank - 2)].ToArray());
        termB = termB[..axisB] + termA[axisA] + termB[(axisB + 1)..];
        var output = "z" + new string(termA[1..].Where(c => c != termA[axisA]).ToArray()) + new string(termB[1..].Where(c => c != termA[axisA]).ToArray());
        var y = g.Node("Einsum", layer.Name, [left, right], Attr("equation", $"{termA},{termB}->{output}"));
        if (output.Length == 1) y = g.Node("Reshape", layer.Name, [y, g.Int64s(layer.Name + "/column", -1, 1)]);
        return a with { Name = y };
    }

    /// <summary>x / sqrt(max(sum x², 1e-12)) along the axis, as Keras's l2_normalize.</summary>
    private static string L2Normalize(OnnxGraph g, string hint, string x, int axis)
    {
        var sumSquares = g.ReduceSum(hint, g.Node("Mul", hint, [x, x]), axis);
        return g.Node("Div", hint, [x, g.Node("Sqrt", hint, [g.Node("Max", hint, [sumSquares, g.Scalar(hint + "/floor", 1e-12)])])]);
    }

    /// <summary>(before, after) per axis from Keras's [b, a] or [[t, b], [l, r]].</summary>
    private static (int Before, int After)[] Edges(JsonNode? node)
    {
        var array = node!.AsArray();
        return array[0] is JsonArray
            ? array.Select(e => (e![0]!.GetValue<int>(), e[1]!.GetValue<int>())).ToArray()
            : [(array[0]!.GetValue<int>(), array[1]!.GetValue<int>())];
    }

    private static int[] Ints(JsonNode? node) => node!.AsArray().Select(v => v!.GetValue<int>()).ToArray();
}

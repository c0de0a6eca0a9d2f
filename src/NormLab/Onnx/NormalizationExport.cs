using NormLab.Layers;
using static NormLab.Onnx.OnnxGraph;

namespace NormLab.Onnx;

/// <summary>
/// The normalization layers at inference: ONNX's own operator where one has the same semantics
/// (BatchNormalization, LayerNormalization, InstanceNormalization), otherwise an exact subgraph of
/// primitives (ReduceMean, Sub, Mul, Sqrt, Div) that computes the layer's documented formula.
/// </summary>
internal static class NormalizationExport
{
    internal static OnnxValue BatchNormalization(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var bn = (BatchNormalization)layer;
        RequireChannelsLast(layer, bn.Axis, inputs[0]);
        return MovingStatistics(g, layer, inputs[0], bn.Epsilon);
    }

    internal static OnnxValue InstanceNormalization(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var norm = (InstanceNormalization)layer;
        RequireChannelsLast(layer, norm.Axis, inputs[0]);
        if (norm.TrackRunningStats) return MovingStatistics(g, layer, inputs[0], norm.Epsilon);
        var x = g.Layout(inputs[0], channelsFirst: true);
        var (scale, bias) = Affine(g, layer, x.Shape[^1]);
        return x with { Name = g.Node("InstanceNormalization", layer.Name, [x.Name, scale, bias], Attr("epsilon", norm.Epsilon)) };
    }

    internal static OnnxValue LayerNormalization(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var ln = (LayerNormalization)layer;
        var x = g.Layout(inputs[0], channelsFirst: false);
        var axes = ln.Axis;
        bool trailing = axes.SequenceEqual(Enumerable.Range(x.Rank - axes.Length, axes.Length));
        if (trailing && !ln.RmsScaling && g.Opset >= 17)
        {
            var shape = axes.Select(a => x.Shape[a]).ToArray();
            var scale = Weight(g, layer, "gamma") ?? g.Initializer(layer.Name + "/ones", Filled(shape, 1), shape);
            var bias = Weight(g, layer, "beta") ?? g.Initializer(layer.Name + "/zeros", Filled(shape, 0), shape);
            return x with { Name = g.Node("LayerNormalization", layer.Name, [x.Name, scale, bias], Attr("axis", axes[0]), Attr("epsilon", ln.Epsilon)) };
        }
        // rmsScaling (Keras): x * rsqrt(variance + epsilon) * gamma, not centred.
        var y = Standardize(g, layer.Name, x.Name, axes, ln.Epsilon, center: !ln.RmsScaling);
        return x with { Name = ScaleAndShift(g, layer, y, Broadcast(x, axes)) };
    }

    internal static OnnxValue RmsNormalization(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var rms = (RMSNormalization)layer;
        var x = g.Layout(inputs[0], channelsFirst: false);
        var y = RootMeanSquare(g, layer.Name, x.Name, rms.Axis, rms.Epsilon);
        return x with { Name = ScaleAndShift(g, layer, y, Broadcast(x, rms.Axis), gammaName: "scale") };
    }

    internal static OnnxValue GroupNormalization(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var gn = (GroupNormalization)layer;
        RequireChannelsLast(layer, gn.Axis, inputs[0]);
        var x = g.Layout(inputs[0], channelsFirst: false);
        int channels = x.Shape[^1], groups = gn.Groups;
        // (N, ..., C) -> (N, ..., G, C/G); statistics over every axis but the batch and the group.
        long[] grouped = [.. Enumerable.Repeat(0L, x.Rank - 1), groups, channels / groups];
        var split = g.Node("Reshape", layer.Name, [x.Name, g.Int64s(layer.Name + "/grouped", grouped)]);
        int[] axes = [.. Enumerable.Range(1, x.Rank - 2), x.Rank];
        var normalized = Standardize(g, layer.Name, split, axes, gn.Epsilon, center: true);
        var back = g.Node("Reshape", layer.Name, [normalized, g.Node("Shape", layer.Name, [x.Name])]);
        return x with { Name = ScaleAndShift(g, layer, back, [channels]) };
    }

    internal static OnnxValue UnitNormalization(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var x = g.Layout(inputs[0], channelsFirst: false);
        var axes = ((UnitNormalization)layer).Axis.Select(a => a < 0 ? a + x.Rank : a).ToArray();
        var sumSquares = g.ReduceSum(layer.Name, g.Node("Mul", layer.Name, [x.Name, x.Name]), axes);
        var floored = g.Node("Max", layer.Name, [sumSquares, g.Scalar(layer.Name + "/floor", 1e-24)]);
        return x with { Name = g.Node("Div", layer.Name, [x.Name, g.Node("Sqrt", layer.Name, [floored])]) };
    }

    /// <summary>ONNX BatchNormalization from the layer's moving_mean and moving_variance (BN, tracked IN).</summary>
    internal static OnnxValue MovingStatistics(OnnxGraph g, Layer layer, OnnxValue input, double epsilon)
    {
        var x = g.Layout(input, channelsFirst: true);
        var (scale, bias) = Affine(g, layer, x.Shape[^1]);
        var mean = g.Initializer(layer.Name + "/moving_mean", OnnxLayers.RequiredWeight(layer, "moving_mean"));
        var variance = g.Initializer(layer.Name + "/moving_variance", OnnxLayers.RequiredWeight(layer, "moving_variance"));
        return x with { Name = g.Node("BatchNormalization", layer.Name, [x.Name, scale, bias, mean, variance], Attr("epsilon", epsilon)) };
    }

    /// <summary>(x - mean) / sqrt(var + eps) over <paramref name="axes"/>, or x / sqrt(var + eps) when not centred; two passes.</summary>
    internal static string Standardize(OnnxGraph g, string hint, string x, int[] axes, double epsilon, bool center)
    {
        var centred = g.Node("Sub", hint, [x, g.ReduceMean(hint, x, axes)]);
        var variance = g.ReduceMean(hint, g.Node("Mul", hint, [centred, centred]), axes);
        var std = g.Node("Sqrt", hint, [g.Node("Add", hint, [variance, g.Scalar(hint + "/epsilon", epsilon)])]);
        return g.Node("Div", hint, [center ? centred : x, std]);
    }

    /// <summary>x / sqrt(mean(x²) + eps) over <paramref name="axes"/> (RMSNorm before its scale).</summary>
    internal static string RootMeanSquare(OnnxGraph g, string hint, string x, int[] axes, double epsilon)
    {
        var meanSquare = g.ReduceMean(hint, g.Node("Mul", hint, [x, x]), axes);
        return g.Node("Div", hint, [x, g.Node("Sqrt", hint, [g.Node("Add", hint, [meanSquare, g.Scalar(hint + "/epsilon", epsilon)])])]);
    }

    /// <summary>y * gamma + beta with whichever of the two the layer has, both given the broadcastable <paramref name="shape"/>.</summary>
    private static string ScaleAndShift(OnnxGraph g, Layer layer, string y, int[] shape, string gammaName = "gamma")
    {
        if (OnnxLayers.Weight(layer, gammaName) is Tensor gamma)
            y = g.Node("Mul", layer.Name, [y, g.Initializer($"{layer.Name}/{gammaName}", gamma.ToArray(), shape)]);
        if (OnnxLayers.Weight(layer, "beta") is Tensor beta)
            y = g.Node("Add", layer.Name, [y, g.Initializer($"{layer.Name}/beta", beta.ToArray(), shape)]);
        return y;
    }

    /// <summary>The shape that broadcasts a per-<paramref name="axes"/> parameter over x without its batch axis: 1 on the other axes.</summary>
    private static int[] Broadcast(OnnxValue x, int[] axes) =>
        Enumerable.Range(1, x.Rank - 1).Select(d => axes.Contains(d) ? x.Shape[d] : 1).ToArray();

    /// <summary>The per-channel scale and bias an ONNX normalization operator needs: gamma and beta, or ones and zeros.</summary>
    private static (string Scale, string Bias) Affine(OnnxGraph g, Layer layer, int channels) =>
        (Weight(g, layer, "gamma") ?? g.Initializer(layer.Name + "/ones", Filled([channels], 1), channels),
         Weight(g, layer, "beta") ?? g.Initializer(layer.Name + "/zeros", Filled([channels], 0), channels));

    private static string? Weight(OnnxGraph g, Layer layer, string name) =>
        OnnxLayers.Weight(layer, name) is Tensor w ? g.Initializer($"{layer.Name}/{name}", w) : null;

    private static float[] Filled(int[] shape, float value) => Enumerable.Repeat(value, shape.Aggregate(1, (a, b) => a * b)).ToArray();

    private static void RequireChannelsLast(Layer layer, int axis, OnnxValue x)
    {
        if (axis != -1 && axis != x.Rank - 1)
            throw new NotSupportedException($"ExportOnnx: layer '{layer.Name}' normalizes axis {axis} of a rank-{x.Rank} input; only the last (channel) axis exports.");
    }
}

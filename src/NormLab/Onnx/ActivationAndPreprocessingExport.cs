using System.Text.Json.Nodes;
using NormLab.Layers;
using static NormLab.Onnx.OnnxGraph;

namespace NormLab.Onnx;

/// <summary>
/// The activation layers, the preprocessing layers at inference (Rescaling, Resizing, CenterCrop, the
/// identity of the random augmentations) and, through <see cref="CoreExport.Identity"/>, the noise layers.
/// Hyperparameters are read from each layer's Keras config.
/// </summary>
internal static class ActivationAndPreprocessingExport
{
    /// <summary>Keras's ReLU: max_value above it, x from the threshold on, negative_slope (x - threshold) below.</summary>
    internal static OnnxValue Relu(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var config = layer.GetConfig();
        double slope = Number(config, "negative_slope", 0), threshold = Number(config, "threshold", 0);
        double? max = config["max_value"] is JsonNode m ? m.GetValue<double>() : null;
        var x = inputs[0];
        string y;
        if (slope == 0 && threshold == 0) y = g.Node("Relu", layer.Name, [x.Name]);
        else
        {
            var thr = g.Scalar(layer.Name + "/threshold", threshold);
            var below = g.Node("Mul", layer.Name, [g.Node("Sub", layer.Name, [x.Name, thr]), g.Scalar(layer.Name + "/slope", slope)]);
            y = g.Node("Where", layer.Name, [g.Node("GreaterOrEqual", layer.Name, [x.Name, thr]), x.Name, below]);
        }
        if (max is double top) y = g.Node("Min", layer.Name, [y, g.Scalar(layer.Name + "/max", top)]);
        return x with { Name = y };
    }

    internal static OnnxValue LeakyRelu(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs) =>
        inputs[0] with { Name = g.Node("LeakyRelu", layer.Name, [inputs[0].Name], Attr("alpha", Number(layer.GetConfig(), "negative_slope", 0.3))) };

    internal static OnnxValue Elu(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs) =>
        inputs[0] with { Name = g.Node("Elu", layer.Name, [inputs[0].Name], Attr("alpha", Number(layer.GetConfig(), "alpha", 1))) };

    /// <summary>ONNX's PRelu broadcasts the slope as NormLab does (alpha has the sample's shape, 1 on shared axes).</summary>
    internal static OnnxValue PRelu(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var x = g.Layout(inputs[0], channelsFirst: false);
        return x with { Name = g.Node("PRelu", layer.Name, [x.Name, g.Initializer(layer.Name + "/alpha", OnnxLayers.RequiredWeight(layer, "alpha"))]) };
    }

    /// <summary>Softmax over one axis is ONNX's; over several, exp(x - max) / sum over those axes.</summary>
    internal static OnnxValue Softmax(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var x = g.Layout(inputs[0], channelsFirst: false);
        var axes = ((Softmax)layer).Axis.Select(a => a < 0 ? a + x.Rank : a).ToArray();
        if (axes.Length == 1) return x with { Name = g.Node("Softmax", layer.Name, [x.Name], Attr("axis", axes[0])) };
        var max = g.Opset >= 18
            ? g.Node("ReduceMax", layer.Name, [x.Name, g.Int64s(layer.Name + "/axes", axes.Select(a => (long)a).ToArray())], Attr("keepdims", 1))
            : g.Node("ReduceMax", layer.Name, [x.Name], Attr("axes", axes), Attr("keepdims", 1));
        var e = g.Node("Exp", layer.Name, [g.Node("Sub", layer.Name, [x.Name, max])]);
        return x with { Name = g.Node("Div", layer.Name, [e, g.ReduceSum(layer.Name, e, axes)]) };
    }

    internal static OnnxValue Rescaling(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var config = layer.GetConfig();
        var scaled = g.Node("Mul", layer.Name, [inputs[0].Name, g.Scalar(layer.Name + "/scale", Number(config, "scale", 1))]);
        return inputs[0] with { Name = g.Node("Add", layer.Name, [scaled, g.Scalar(layer.Name + "/offset", Number(config, "offset", 0))]) };
    }

    internal static OnnxValue Resizing(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var config = layer.GetConfig();
        return CropAndResize(g, layer, inputs[0], config["height"]!.GetValue<int>(), config["width"]!.GetValue<int>(),
            config["interpolation"]!.GetValue<string>(), config["crop_to_aspect_ratio"]?.GetValue<bool>() ?? false);
    }

    /// <summary>The central window, or (for images smaller than it) Keras's crop to the aspect ratio and a bilinear resize.</summary>
    internal static OnnxValue CenterCrop(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var config = layer.GetConfig();
        int height = config["height"]!.GetValue<int>(), width = config["width"]!.GetValue<int>();
        var x = g.Layout(inputs[0], channelsFirst: false);
        int dh = x.Shape[1] - height, dw = x.Shape[2] - width;
        if (dh < 0 || dw < 0) return CropAndResize(g, layer, x, height, width, "bilinear", cropToAspectRatio: true);
        return x with { Name = Crop(g, layer.Name, x.Name, dh / 2, height, dw / 2, width) };
    }

    /// <summary>Resizing with crop_to_aspect_ratio: the centred window of the target's aspect ratio (sizes truncated, at least 1), then the resize.</summary>
    private static OnnxValue CropAndResize(OnnxGraph g, Layer layer, OnnxValue input, int height, int width, string interpolation, bool cropToAspectRatio)
    {
        var x = g.Layout(input, channelsFirst: false);
        int inH = x.Shape[1], inW = x.Shape[2];
        string source = x.Name;
        if (cropToAspectRatio)
        {
            int cropH = Math.Max(Math.Min(inH, (int)((float)inW * height / width)), 1);
            int cropW = Math.Max(Math.Min(inW, (int)((float)inH * width / height)), 1);
            source = Crop(g, layer.Name, source, (inH - cropH) / 2, cropH, (inW - cropW) / 2, cropW);
        }
        return x with { Name = ResizeTo(g, layer.Name, source, height, width, x.Shape[3], interpolation == "bilinear") };
    }

    /// <summary>
    /// NHWC images resized to (height, width) with half-pixel centres as NormLab's (and PyTorch's) resize;
    /// nearest takes floor((o + 0.5) * scale), the round-half-up of the half-pixel source.
    /// </summary>
    internal static string ResizeTo(OnnxGraph g, string hint, string images, int height, int width, int channels, bool bilinear)
    {
        // sizes = (batch, height, width, channels), the batch read from the input at run time.
        var batch = g.Node("Slice", hint, [g.Node("Shape", hint, [images]), g.Int64s(hint + "/b0", 0), g.Int64s(hint + "/b1", 1)]);
        var sizes = g.Node("Concat", hint, [batch, g.Int64s(hint + "/hwc", height, width, channels)], Attr("axis", 0));
        var attributes = bilinear
            ? new[] { Attr("mode", "linear"), Attr("coordinate_transformation_mode", "half_pixel") }
            : new[] { Attr("mode", "nearest"), Attr("coordinate_transformation_mode", "half_pixel"), Attr("nearest_mode", "round_prefer_ceil") };
        return g.Node("Resize", hint, [images, "", "", sizes], attributes);
    }

    internal static string Crop(OnnxGraph g, string hint, string x, int top, int height, int left, int width) =>
        g.Node("Slice", hint, [x, g.Int64s(hint + "/starts", top, left), g.Int64s(hint + "/ends", top + height, left + width), g.Int64s(hint + "/axes", 1, 2)]);

    private static double Number(JsonObject config, string key, double fallback) => config[key] is JsonNode n ? n.GetValue<double>() : fallback;
}

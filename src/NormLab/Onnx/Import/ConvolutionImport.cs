using NormLab.Layers;
using NormLab.Onnx.Proto;

namespace NormLab.Onnx.Import;

/// <summary>Conv and the 2-D pools, as NormLab's channels-last Conv2D, MaxPooling2D and AveragePooling2D.</summary>
internal static class ConvolutionImport
{
    internal static void Conv(OnnxImporter im, NodeProto node)
    {
        var (x, weight, bias, kernel, strides, dilations) = Window(im, node, "convolutions");
        var conv = new Conv2D(weight.Shape[0], kernel, strides, Padding(node, x, kernel, strides, dilations), dilations, useBias: bias != null);
        // ONNX's weight is (out, in, kh, kw); NormLab's kernel is (kh, kw, in, out).
        Connect(im, node, conv, x, ConvolutionExport.Permute(weight, [2, 3, 1, 0]), bias);
    }

    /// <summary>ConvTranspose as Conv2DTranspose, when its padding and output size are Keras's "valid" or "same".</summary>
    internal static void ConvTranspose(OnnxImporter im, NodeProto node)
    {
        var (x, weight, bias, kernel, strides, dilations) = Window(im, node, "transposed convolutions");
        var (padding, outputPadding) = TransposedPadding(node, x, kernel, strides, dilations);
        var conv = new Conv2DTranspose(weight.Shape[1], kernel, strides, padding, dilations, outputPadding, useBias: bias != null);
        // ONNX's weight is (in, out, kh, kw); NormLab's kernel is (kh, kw, out, in).
        Connect(im, node, conv, x, ConvolutionExport.Permute(weight, [2, 3, 1, 0]), bias);
    }

    /// <summary>The image, weight, bias and window of a Conv or ConvTranspose node (group 1, 2-D only).</summary>
    private static (ImportedValue X, Tensor Weight, Tensor? Bias, Size2 Kernel, Size2 Strides, Size2 Dilations) Window(OnnxImporter im, NodeProto node, string what)
    {
        var x = Image(im, node);
        var weight = im.Constant(node, 1);
        if (node.Int("group", 1) != 1) throw OnnxOperators.Unsupported(node, $"group = {node.Int("group", 1)}; only group 1 imports");
        if (weight.Rank != 4) throw OnnxOperators.Unsupported(node, $"a weight of rank {weight.Rank}; only 2-D {what} import");
        return (x, weight, im.OptionalConstant(node, 2), (weight.Shape[2], weight.Shape[3]), Pair(node, "strides"), Pair(node, "dilations"));
    }

    /// <summary>Applies the layer to x, gives it the channels-last kernel and the bias, and records the node's output.</summary>
    private static void Connect(OnnxImporter im, NodeProto node, Layer layer, ImportedValue x, Tensor kernel, Tensor? bias)
    {
        var y = im.Apply(layer, x);
        layer.SetWeights(bias == null ? [kernel] : [kernel, bias]);
        im.Set(node.Output[0], y);
    }

    /// <summary>
    /// Keras's padding ("valid" or "same") and output padding (null for Keras's default sizes) whose output
    /// matches the node's, or an error. A transposed convolution's output is fixed by where it starts (the
    /// begin pad) and its length, per axis.
    /// </summary>
    private static (string Padding, Size2? OutputPadding) TransposedPadding(NodeProto node, ImportedValue x, Size2 kernel, Size2 strides, Size2 dilations)
    {
        int[] input = [x.Symbol.Shape[0], x.Symbol.Shape[1]], k = [kernel.Height, kernel.Width], s = [strides.Height, strides.Width];
        int[] d = [dilations.Height, dilations.Width];
        int[] pads = node.Ints("pads") ?? [0, 0, 0, 0], outputPadding = node.Ints("output_padding") ?? [0, 0];
        int[]? outputShape = node.Ints("output_shape");
        string autoPad = node.String("auto_pad", "NOTSET");
        var onnx = new (int Begin, int Length)[2];
        var valid = new (int Begin, int Length)[2];
        var same = new (int Begin, int Length)[2];
        for (int a = 0; a < 2; a++)
        {
            int effective = (k[a] - 1) * d[a] + 1, full = s[a] * (input[a] - 1) + outputPadding[a] + effective;
            valid[a] = (0, input[a] * s[a] + Math.Max(effective - s[a], 0));
            same[a] = (Math.Max(effective - s[a], 0) / 2, input[a] * s[a]);
            int length = autoPad is "SAME_UPPER" or "SAME_LOWER" ? input[a] * s[a] : outputShape?[a] ?? full - (autoPad == "VALID" ? 0 : pads[a] + pads[a + 2]);
            int total = full - length;
            onnx[a] = autoPad switch
            {
                "SAME_LOWER" => (total - total / 2, length),
                "VALID" => (0, length),
                _ when autoPad == "SAME_UPPER" || outputShape != null => (total / 2, length),
                _ => (pads[a], length),
            };
        }
        if (onnx.SequenceEqual(valid)) return ("valid", null);
        if (onnx.SequenceEqual(same)) return ("same", null);
        // Keras's output_padding p < stride: length (in - 1)·s + window - 2·pad + p, pad = window / 2 for
        // "same" (starting where TensorFlow's padding of the forward convolution starts) and 0 for "valid".
        foreach (var mode in new[] { "valid", "same" })
        {
            var p = new int[2];
            bool matches = true;
            for (int a = 0; a < 2 && matches; a++)
            {
                int effective = (k[a] - 1) * d[a] + 1, full = (input[a] - 1) * s[a] + effective;
                int pad = mode == "same" ? effective / 2 : 0;
                p[a] = onnx[a].Length - (full - 2 * pad);
                int begin = mode == "same" ? Math.Max(full - onnx[a].Length, 0) / 2 : 0;
                matches = p[a] >= 0 && p[a] < s[a] && onnx[a].Begin == begin;
            }
            if (matches) return (mode, new Size2(p[0], p[1]));
        }
        throw OnnxOperators.Unsupported(node, $"an output that starts at ({onnx[0].Begin}, {onnx[1].Begin}) with size {onnx[0].Length}x{onnx[1].Length} from a {input[0]}x{input[1]} image; " +
            $"NormLab's 'valid' gives {valid[0].Length}x{valid[1].Length} from (0, 0) and 'same' {same[0].Length}x{same[1].Length} from ({same[0].Begin}, {same[1].Begin})");
    }

    /// <summary>MaxPool and AveragePool (no ceil mode, no dilation; padding that is Keras's "valid" or "same").</summary>
    internal static void Pool(OnnxImporter im, NodeProto node)
    {
        var x = Image(im, node);
        var kernelShape = node.Ints("kernel_shape") ?? throw OnnxOperators.Unsupported(node, "no kernel_shape");
        if (kernelShape.Length != 2) throw OnnxOperators.Unsupported(node, $"a {kernelShape.Length}-D window; only 2-D pools import");
        if (node.Int("ceil_mode", 0) != 0) throw OnnxOperators.Unsupported(node, "ceil_mode = 1");
        if ((node.Ints("dilations") ?? [1, 1]).Any(d => d != 1)) throw OnnxOperators.Unsupported(node, "dilated pooling");
        Size2 window = (kernelShape[0], kernelShape[1]), strides = Pair(node, "strides");
        string padding = Padding(node, x, window, strides, 1);
        // NormLab's average pool counts only real pixels at the borders (count_include_pad = 0).
        if (node.OpType == "AveragePool" && padding == "same" && node.Int("count_include_pad", 0) != 0 && HasPads(node, x, window, strides))
            throw OnnxOperators.Unsupported(node, "count_include_pad = 1 with padding");
        Pooling2D pool = node.OpType == "MaxPool" ? new MaxPooling2D(window, strides, padding) : new AveragePooling2D(window, strides, padding);
        im.Set(node.Output[0], im.Apply(pool, x));
    }

    /// <summary>GlobalAveragePool: (N, C, H, W) → (N, C, 1, 1), held as (N, 1, 1, C).</summary>
    internal static void GlobalAveragePool(OnnxImporter im, NodeProto node)
    {
        var x = Image(im, node);
        var pooled = im.Apply(new GlobalAveragePooling2D(), x);
        im.Set(node.Output[0], im.Apply(new OnnxReshape([1, 1, x.Symbol.Shape[^1]]), pooled, ImportedValue.ChannelsLastAxes(4)));
    }

    /// <summary>The node's 4-D input, channels last.</summary>
    private static ImportedValue Image(OnnxImporter im, NodeProto node)
    {
        var x = im.Value(node, 0);
        if (x.Rank != 4) throw OnnxOperators.Unsupported(node, $"input of rank {x.Rank}; only 2-D images (N, C, H, W) import");
        return im.ToChannelsLast(x);
    }

    private static Size2 Pair(NodeProto node, string name)
    {
        var values = node.Ints(name) ?? [1, 1];
        if (values.Length != 2) throw OnnxOperators.Unsupported(node, $"{name} [{string.Join(", ", values)}]; two values expected");
        return (values[0], values[1]);
    }

    /// <summary>Keras's "valid" or "same" for the node's auto_pad or explicit pads, or an error for other pads.</summary>
    private static string Padding(NodeProto node, ImportedValue x, Size2 kernel, Size2 strides, Size2 dilations)
    {
        switch (node.String("auto_pad", "NOTSET"))
        {
            case "VALID": return "valid";
            case "SAME_UPPER": return "same";
            case "NOTSET": break;
            case var other: throw OnnxOperators.Unsupported(node, $"auto_pad {other}");
        }
        var pads = node.Ints("pads") ?? [0, 0, 0, 0];
        if (pads.All(p => p == 0)) return "valid";
        if (pads.SequenceEqual(SamePads(x, kernel, strides, dilations))) return "same";
        throw OnnxOperators.Unsupported(node, $"pads [{string.Join(", ", pads)}] on a {x.Symbol.Shape[0]}x{x.Symbol.Shape[1]} image; NormLab pads as 'valid' (none) or 'same' ({string.Join(", ", SamePads(x, kernel, strides, dilations))})");
    }

    private static bool HasPads(NodeProto node, ImportedValue x, Size2 kernel, Size2 strides) =>
        SamePads(x, kernel, strides, 1).Any(p => p != 0);

    /// <summary>ONNX's pads (top, left, bottom, right) of Keras's "same" on the channels-last image.</summary>
    private static int[] SamePads(ImportedValue x, Size2 kernel, Size2 strides, Size2 dilations)
    {
        var (top, bottom) = Kernels.WindowPadding.Edges(x.Symbol.Shape[0], (kernel.Height - 1) * dilations.Height + 1, strides.Height, "same");
        var (left, right) = Kernels.WindowPadding.Edges(x.Symbol.Shape[1], (kernel.Width - 1) * dilations.Width + 1, strides.Width, "same");
        return [top, left, bottom, right];
    }
}

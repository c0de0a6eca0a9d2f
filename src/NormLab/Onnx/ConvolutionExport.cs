using NormLab.Kernels;
using NormLab.Layers;
using static NormLab.Onnx.OnnxGraph;

namespace NormLab.Onnx;

/// <summary>
/// The 1-D and 2-D convolutions (plain, grouped, depthwise, separable, transposed) and poolings as ONNX's
/// channels-first Conv, ConvTranspose, MaxPool and AveragePool, kernels permuted to ONNX's layout.
/// </summary>
internal static class ConvolutionExport
{
    internal static OnnxValue Conv(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs) =>
        ConvWith(g, (BaseConv)layer, inputs[0], ((BaseConv)layer).Kernel!);

    /// <summary>The convolution with <paramref name="kernelValues"/> in place of its own kernel (the weight wrappers fold theirs in).</summary>
    internal static OnnxValue ConvWith(OnnxGraph g, BaseConv conv, OnnxValue input, Tensor kernelValues)
    {
        var x = g.Layout(input, channelsFirst: true);
        // NormLab's kernel is (spatial..., in / groups, out); ONNX's is (out, in / groups, spatial...).
        var kernel = g.Initializer(conv.Name + "/kernel", Permute(kernelValues, conv.Rank == 1 ? [2, 1, 0] : [3, 2, 0, 1]));
        var y = g.Node("Conv", conv.Name, WithBias(g, conv.Name, [x.Name, kernel], conv.Bias), [.. Window(conv, x), Attr("group", conv.Groups)]);
        return x with { Name = OnnxActivations.Apply(g, conv.Name, y, conv.Activation.Name) };
    }

    /// <summary>A depthwise convolution is ONNX's Conv with one group per input channel, output channel c * multiplier + m.</summary>
    internal static OnnxValue DepthwiseConv(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var conv = (BaseDepthwiseConv)layer;
        var x = g.Layout(inputs[0], channelsFirst: true);
        var y = Depthwise(g, conv, x, conv.DepthwiseKernel!, conv.Bias);
        return x with { Name = OnnxActivations.Apply(g, conv.Name, y, conv.Activation.Name) };
    }

    /// <summary>The depthwise step (no bias) followed by the pointwise 1x1 convolution with the bias.</summary>
    internal static OnnxValue SeparableConv(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var conv = (BaseSeparableConv)layer;
        var x = g.Layout(inputs[0], channelsFirst: true);
        var depthwise = Depthwise(g, conv, x, conv.DepthwiseKernel!, bias: null);
        var pointwise = g.Initializer(conv.Name + "/pointwise_kernel", Permute(conv.PointwiseKernel!, conv.Rank == 1 ? [2, 1, 0] : [3, 2, 0, 1]));
        int[] ones = conv.Rank == 1 ? [1] : [1, 1];
        var y = g.Node("Conv", conv.Name, WithBias(g, conv.Name, [depthwise, pointwise], conv.Bias), Attr("kernel_shape", ones));
        return x with { Name = OnnxActivations.Apply(g, conv.Name, y, conv.Activation.Name) };
    }

    /// <summary>
    /// ONNX's ConvTranspose with Keras's sizes (<see cref="BaseConvTranspose.OutputLength"/>): pads where
    /// Keras's output starts inside ONNX's full output, output_padding where it runs past its end.
    /// </summary>
    internal static OnnxValue ConvTranspose(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var conv = (BaseConvTranspose)layer;
        var x = g.Layout(inputs[0], channelsFirst: true);
        // NormLab's kernel is (spatial..., out, in); ONNX's is (in, out, spatial...).
        var kernel = g.Initializer(conv.Name + "/kernel", Permute(conv.Kernel!, conv.Rank == 1 ? [2, 1, 0] : [3, 2, 0, 1]));
        var sizes = Sizes(conv);
        var pads = new List<int>(); var outputPadding = new List<int>();
        var after = new List<int>();
        for (int a = 0; a < sizes.Length; a++)
        {
            var (k, s, d) = sizes[a];
            // Keras's output is a window of ONNX's full one (full = (in - 1)·s + window), starting where
            // TensorFlow's "same" padding starts, and running past its end (zeros) where it is longer.
            // The offsets do not depend on the input length, so a free length is taken as 1.
            int window = (k - 1) * d + 1, inLength = Math.Max(inputs[0].Shape[1 + a], 1);
            int full = (inLength - 1) * s + window, length = conv.OutputLength(conv.Rank == 1 ? 1 : a, inLength);
            int before = conv.Padding == "same" ? Math.Max(full - length, 0) / 2 : 0;
            pads.Add(before); after.Add(Math.Max(full - before - length, 0));
            outputPadding.Add(Math.Max(length - (full - before), 0));
        }
        var y = g.Node("ConvTranspose", conv.Name, WithBias(g, conv.Name, [x.Name, kernel], conv.Bias),
            Attr("kernel_shape", sizes.Select(z => z.Kernel)), Attr("strides", sizes.Select(z => z.Stride)),
            Attr("dilations", sizes.Select(z => z.Dilation)), Attr("pads", [.. pads, .. after]), Attr("output_padding", outputPadding));
        return x with { Name = OnnxActivations.Apply(g, conv.Name, y, conv.Activation.Name) };
    }

    internal static OnnxValue Pooling(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var x = g.Layout(inputs[0], channelsFirst: true);
        int[] kernel, strides;
        string padding;
        if (layer is Pooling2D pool)
            (kernel, strides, padding) = ([pool.PoolSize.Height, pool.PoolSize.Width], [pool.Strides.Height, pool.Strides.Width], pool.Padding);
        else
        {
            var config = layer.GetConfig();
            (kernel, strides, padding) = ([config["pool_size"]![0]!.GetValue<int>()], [config["strides"]![0]!.GetValue<int>()], config["padding"]!.GetValue<string>());
        }
        var pads = Enumerable.Range(0, kernel.Length).Select(a => WindowPadding.Edges(x.Shape[1 + a], kernel[a], strides[a], padding)).ToArray();
        // AveragePool's count_include_pad = 0 averages over the real values only, as Keras's "same".
        string op = layer is AveragePooling2D or AveragePooling1D ? "AveragePool" : "MaxPool";
        return x with
        {
            Name = g.Node(op, layer.Name, [x.Name], Attr("kernel_shape", kernel), Attr("strides", strides),
                Attr("pads", [.. pads.Select(p => p.Before), .. pads.Select(p => p.After)])),
        };
    }

    /// <summary>The mean or maximum over the spatial axes, kept as size-1 axes with keepdims.</summary>
    internal static OnnxValue GlobalPooling(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var x = g.Layout(inputs[0], channelsFirst: false);
        int[] spatial = [.. Enumerable.Range(1, x.Rank - 2)];
        var reduced = layer is GlobalAveragePooling1D or GlobalAveragePooling2D
            ? g.ReduceMean(layer.Name, x.Name, spatial)
            : g.Opset >= 18
                ? g.Node("ReduceMax", layer.Name, [x.Name, g.Int64s(layer.Name + "/axes", spatial.Select(a => (long)a).ToArray())], Attr("keepdims", 1))
                : g.Node("ReduceMax", layer.Name, [x.Name], Attr("axes", spatial), Attr("keepdims", 1));
        bool keep = layer.GetConfig()["keepdims"]?.GetValue<bool>() ?? false;
        return x with { Name = keep ? reduced : g.Node("Flatten", layer.Name, [reduced], Attr("axis", 1)) };
    }

    /// <summary>kernel_shape, strides, dilations and pads of a convolution on the channels-first value.</summary>
    private static Proto.AttributeProto[] Window(ConvolutionLayer conv, OnnxValue x)
    {
        var sizes = Sizes(conv);
        var pads = sizes.Select((z, a) => conv.Padding == "causal"
            ? ((z.Kernel - 1) * z.Dilation, 0)
            : WindowPadding.Edges(x.Shape[1 + a], (z.Kernel - 1) * z.Dilation + 1, z.Stride, conv.Padding)).ToArray();
        return [Attr("kernel_shape", sizes.Select(z => z.Kernel)), Attr("strides", sizes.Select(z => z.Stride)),
            Attr("dilations", sizes.Select(z => z.Dilation)), Attr("pads", [.. pads.Select(p => p.Item1), .. pads.Select(p => p.Item2)])];
    }

    private static string Depthwise(OnnxGraph g, ConvolutionLayer conv, OnnxValue x, Tensor kernel, Tensor? bias)
    {
        int channels = kernel.Dims[^2], multiplier = kernel.Dims[^1];
        // (spatial..., in, multiplier) -> (in, multiplier, spatial...) = (in * multiplier, 1, spatial...).
        var permuted = Permute(kernel, conv.Rank == 1 ? [1, 2, 0] : [2, 3, 0, 1]);
        int[] dims = [channels * multiplier, 1, .. kernel.Dims[..^2]];
        var w = g.Initializer(conv.Name + "/depthwise_kernel", permuted.ToArray(), dims);
        return g.Node("Conv", conv.Name, WithBias(g, conv.Name, [x.Name, w], bias), [.. Window(conv, x), Attr("group", channels)]);
    }

    private static (int Kernel, int Stride, int Dilation)[] Sizes(ConvolutionLayer conv) => conv.Rank == 1
        ? [(conv.KernelSize.Width, conv.Strides.Width, conv.DilationRate.Width)]
        : [(conv.KernelSize.Height, conv.Strides.Height, conv.DilationRate.Height), (conv.KernelSize.Width, conv.Strides.Width, conv.DilationRate.Width)];

    private static string[] WithBias(OnnxGraph g, string hint, string[] operands, Tensor? bias) =>
        bias == null ? operands : [.. operands, g.Initializer(hint + "/bias", bias)];

    /// <summary>The tensor's values with its axes permuted (for kernels in ONNX's layout).</summary>
    internal static Tensor Permute(Tensor t, int[] permutation)
    {
        using var _ = Autograd.Tape.NoGrad();
        return Ops.Transpose(t.Detach(), permutation);
    }
}

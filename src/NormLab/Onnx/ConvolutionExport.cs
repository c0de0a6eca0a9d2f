using NormLab.Kernels;
using NormLab.Layers;
using static NormLab.Onnx.OnnxGraph;

namespace NormLab.Onnx;

/// <summary>Conv2D and the 2-D poolings, as ONNX's channels-first Conv, MaxPool and AveragePool.</summary>
internal static class ConvolutionExport
{
    internal static OnnxValue Conv2D(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs) =>
        Conv2DWith(g, (Conv2D)layer, inputs[0], ((Conv2D)layer).Kernel!);

    /// <summary>The Conv2D layer with <paramref name="kernelValues"/> in place of its own kernel (weight wrappers).</summary>
    internal static OnnxValue Conv2DWith(OnnxGraph g, Conv2D conv, OnnxValue input, Tensor kernelValues)
    {
        var x = g.Layout(input, channelsFirst: true);
        // NormLab's kernel is (kh, kw, in, out); ONNX's is (out, in, kh, kw).
        var kernel = g.Initializer(conv.Name + "/kernel", Permute(kernelValues, [3, 2, 0, 1]));
        string[] operands = conv.Bias == null ? [x.Name, kernel] : [x.Name, kernel, g.Initializer(conv.Name + "/bias", conv.Bias)];
        var y = g.Node("Conv", conv.Name, operands,
            Attr("kernel_shape", [conv.KernelSize.Height, conv.KernelSize.Width]),
            Attr("strides", [conv.Strides.Height, conv.Strides.Width]),
            Attr("dilations", [conv.DilationRate.Height, conv.DilationRate.Width]),
            Attr("pads", Pads(x.Shape, conv.KernelSize, conv.Strides, conv.DilationRate, conv.Padding)));
        return x with { Name = OnnxActivations.Apply(g, conv.Name, y, conv.Activation.Name) };
    }

    internal static OnnxValue Pooling(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var pool = (Pooling2D)layer;
        var x = g.Layout(inputs[0], channelsFirst: true);
        // AveragePool's count_include_pad = 0 averages over the real pixels only, as Keras's "same".
        string op = layer is AveragePooling2D ? "AveragePool" : "MaxPool";
        return x with
        {
            Name = g.Node(op, layer.Name, [x.Name],
                Attr("kernel_shape", [pool.PoolSize.Height, pool.PoolSize.Width]),
                Attr("strides", [pool.Strides.Height, pool.Strides.Width]),
                Attr("pads", Pads(x.Shape, pool.PoolSize, pool.Strides, 1, pool.Padding))),
        };
    }

    internal static OnnxValue GlobalAveragePooling2D(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var x = inputs[0];
        var pooled = x.ChannelsFirst
            ? g.Node("GlobalAveragePool", layer.Name, [x.Name])
            : g.ReduceMean(layer.Name, x.Name, 1, 2);
        return x with { Name = g.Node("Flatten", layer.Name, [pooled], Attr("axis", 1)), ChannelsFirst = false };
    }

    /// <summary>ONNX's pads (top, left, bottom, right) for Keras's "valid" or "same" on the NHWC shape.</summary>
    internal static int[] Pads(int[] nhwc, Size2 kernel, Size2 strides, Size2 dilation, string padding)
    {
        var (top, bottom) = Pad(nhwc[1], (kernel.Height - 1) * dilation.Height + 1, strides.Height, padding);
        var (left, right) = Pad(nhwc[2], (kernel.Width - 1) * dilation.Width + 1, strides.Width, padding);
        return [top, left, bottom, right];
    }

    private static (int Before, int After) Pad(int size, int window, int stride, string padding)
    {
        var (output, before) = WindowPadding.Compute(size, window, stride, padding);
        return (before, Math.Max((output - 1) * stride + window - size - before, 0));
    }

    /// <summary>The tensor's values with its axes permuted (for kernels in ONNX's layout).</summary>
    internal static Tensor Permute(Tensor t, int[] permutation)
    {
        using var _ = Autograd.Tape.NoGrad();
        return Ops.Transpose(t.Detach(), permutation);
    }
}

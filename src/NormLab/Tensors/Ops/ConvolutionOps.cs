using NormLab.Autograd;
using NormLab.Kernels;

namespace NormLab;

public static partial class Ops
{
    /// <summary>
    /// A whole NHWC 2-D convolution as one recorded op: x (B, H, W, Cin), kernel (kh, kw, Cin, Cout),
    /// optional bias (Cout). Backward runs the kernel's input and kernel gradients and a bias column sum.
    /// With <paramref name="relu"/> the op is relu(conv + bias), fused so the output is written once and
    /// the backward masks dy by y > 0 (the same as x > 0 before the ReLU) before the convolution gradients.
    /// </summary>
    internal static Tensor Conv2D(Tensor x, Tensor kernel, Tensor? bias, Conv2DGeometry g, bool relu = false)
    {
        // The kernels write every element of their outputs, so these arrays may hold anything before.
        var output = Tensor.Uninitialized([g.Batch, g.OutH, g.OutW, g.OutC]);
        var y = output.Data;
        Conv2DKernel.Forward(g, x.Data, kernel.Data, bias?.Data, y, relu);
        Tensor[] inputs = bias == null ? [x, kernel] : [x, kernel, bias];
        return Tape.Record(output, inputs, dOutput =>
        {
            var dy = dOutput;
            if (relu)
            {
                dy = Tensor.Uninitialized(dOutput.Dims);
                ElementwiseKernel.ReluBackward(y, dOutput.Data, dy.Data);
            }
            Tensor? dx = null, dk = null, db = null;
            if (x.RequiresGrad)
            {
                dx = Tensor.Uninitialized(x.Dims);
                Conv2DKernel.BackwardInput(g, dy.Data, kernel.Data, dx.Data);
            }
            if (kernel.RequiresGrad)
            {
                var data = GC.AllocateUninitializedArray<float>(kernel.Size);
                Conv2DKernel.BackwardKernel(g, x.Data, dy.Data, data);
                dk = new Tensor(data, kernel.Shape);
            }
            if (bias != null && bias.RequiresGrad) db = new Tensor(ColumnSums(dy.Data, g.OutputPixels, g.OutC), bias.Shape);
            if (relu) dy.Dispose(); // the masked gradient: its memory can serve the next op at once
            return bias == null ? [dx, dk] : [dx, dk, db];
        });
    }

    /// <summary>
    /// A grouped convolution: the input channels and the filters split into <paramref name="groups"/> equal
    /// parts, part i of the filters seeing only part i of the channels (kernel (kh, kw, Cin / groups, Cout)).
    /// <paramref name="groupGeometry"/> is one group's (InC = Cin / groups, OutC = Cout / groups). One input
    /// channel per group is a depthwise convolution and runs that kernel; otherwise each group is a full
    /// convolution of its own.
    /// </summary>
    internal static Tensor GroupedConv2D(Tensor x, Tensor kernel, Tensor? bias, Conv2DGeometry groupGeometry, int groups)
    {
        if (groups == 1) return Conv2D(x, kernel, bias, groupGeometry);
        var g = groupGeometry;
        if (g.InC == 1)
            return DepthwiseConv2D(x, Reshape(kernel, g.KernelH, g.KernelW, groups, g.OutC), bias, g with { InC = groups, OutC = groups });
        var outputs = new Tensor[groups];
        for (int i = 0; i < groups; i++)
            outputs[i] = Conv2D(Slice(x, 3, i * g.InC, g.InC), Slice(kernel, 3, i * g.OutC, g.OutC),
                bias is null ? null : Slice(bias, 0, i * g.OutC, g.OutC), g);
        return Concat(outputs, 3);
    }

    /// <summary>
    /// A depthwise convolution: x (B, H, W, C), kernel (kh, kw, C, multiplier), output channel c·multiplier + m
    /// from input channel c and filter (c, m), plus bias (C·multiplier). <paramref name="g"/> has InC = OutC = C.
    /// A multiplier above 1 repeats each input channel first, which makes it a depthwise convolution with one filter per channel.
    /// </summary>
    internal static Tensor DepthwiseConv2D(Tensor x, Tensor kernel, Tensor? bias, Conv2DGeometry g)
    {
        int multiplier = kernel.Dims[3];
        if (multiplier > 1)
        {
            x = RepeatElements(x, 3, multiplier);
            g = g with { InC = g.InC * multiplier, OutC = g.OutC * multiplier };
        }
        var output = Tensor.Uninitialized([g.Batch, g.OutH, g.OutW, g.OutC]);
        DepthwiseConv2DKernel.Forward(g, x.Data, kernel.Data, bias?.Data, output.Data);
        Tensor[] inputs = bias == null ? [x, kernel] : [x, kernel, bias];
        return Tape.Record(output, inputs, dy =>
        {
            Tensor? dx = null, dk = null, db = null;
            if (x.RequiresGrad)
            {
                dx = Tensor.Uninitialized(x.Dims);
                DepthwiseConv2DKernel.BackwardInput(g, dy.Data, kernel.Data, dx.Data);
            }
            if (kernel.RequiresGrad)
            {
                var data = GC.AllocateUninitializedArray<float>(kernel.Size);
                DepthwiseConv2DKernel.BackwardKernel(g, x.Data, dy.Data, data);
                dk = new Tensor(data, kernel.Shape);
            }
            if (bias != null && bias.RequiresGrad) db = new Tensor(ColumnSums(dy.Data, g.OutputPixels, g.OutC), bias.Shape);
            return bias == null ? [dx, dk] : [dx, dk, db];
        });
    }

    /// <summary>
    /// A transposed convolution (the input gradient of a convolution, as Keras's Conv2DTranspose):
    /// x (B, h, w, Cin), kernel (kh, kw, Cout, Cin), bias (Cout). <paramref name="g"/> is the geometry of the
    /// convolution it transposes: from the output (B, g.InH, g.InW, Cout = g.InC) to the input
    /// (B, g.OutH, g.OutW, Cin = g.OutC). Forward is that convolution's backward-input kernel, and backward
    /// its forward and kernel-gradient kernels.
    /// </summary>
    internal static Tensor Conv2DTranspose(Tensor x, Tensor kernel, Tensor? bias, Conv2DGeometry g)
    {
        var output = Tensor.Uninitialized([g.Batch, g.InH, g.InW, g.InC]);
        var y = output.Data;
        Conv2DKernel.BackwardInput(g, x.Data, kernel.Data, y);
        int pixels = g.Batch * g.InH * g.InW;
        if (bias != null)
            for (int p = 0; p < pixels; p++)
                System.Numerics.Tensors.TensorPrimitives.Add(y.AsSpan(p * g.InC, g.InC), bias.Data.AsSpan(0, g.InC), y.AsSpan(p * g.InC, g.InC));
        Tensor[] inputs = bias == null ? [x, kernel] : [x, kernel, bias];
        return Tape.Record(output, inputs, dy =>
        {
            Tensor? dx = null, dk = null, db = null;
            if (x.RequiresGrad)
            {
                dx = Tensor.Uninitialized(x.Dims);
                Conv2DKernel.Forward(g, dy.Data, kernel.Data, null, dx.Data);
            }
            if (kernel.RequiresGrad)
            {
                var data = GC.AllocateUninitializedArray<float>(kernel.Size);
                Conv2DKernel.BackwardKernel(g, dy.Data, x.Data, data);
                dk = new Tensor(data, kernel.Shape);
            }
            if (bias != null && bias.RequiresGrad) db = new Tensor(ColumnSums(dy.Data, pixels, g.InC), bias.Shape);
            return bias == null ? [dx, dk] : [dx, dk, db];
        });
    }
}

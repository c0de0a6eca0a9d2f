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
}

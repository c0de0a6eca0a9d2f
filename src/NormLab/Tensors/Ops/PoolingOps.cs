using NormLab.Autograd;
using NormLab.Kernels;

namespace NormLab;

public static partial class Ops
{
    /// <summary>NHWC max pooling as one op; backward routes each gradient to its window's maximum.</summary>
    internal static Tensor MaxPool2D(Tensor x, Pool2DGeometry g)
    {
        // The kernels write every element of their outputs, so these arrays skip the zeroing.
        var y = Tensor.Uninitialized([g.Batch, g.OutH, g.OutW, g.Channels]);
        var argmax = GC.AllocateUninitializedArray<int>(y.Size);
        PoolKernel.MaxForward(g, x.Data, y.Data, argmax);
        return Tape.Record(y, [x], dy =>
        {
            var dx = Tensor.Uninitialized(x.Dims);
            PoolKernel.MaxBackward(g, dy.Data, argmax, dx.Data);
            return [dx];
        });
    }

    /// <summary>NHWC average pooling as one op ("same" padding averages only the real values, as Keras).</summary>
    internal static Tensor AveragePool2D(Tensor x, Pool2DGeometry g)
    {
        var y = new float[g.Batch * g.OutH * g.OutW * g.Channels];
        PoolKernel.AverageForward(g, x.Data, y);
        return Tape.Record(new Tensor(y, [g.Batch, g.OutH, g.OutW, g.Channels]), [x], dy =>
        {
            var dx = new float[x.Size];
            PoolKernel.AverageBackward(g, dy.Data, dx);
            return [new Tensor(dx, x.Shape)];
        });
    }
}

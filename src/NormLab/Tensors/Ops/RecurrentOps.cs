using NormLab.Autograd;
using NormLab.Kernels;

namespace NormLab;

public static partial class Ops
{
    /// <summary>
    /// The GRU recurrence (Keras's reset_after=True, gates z, r, h; tanh and sigmoid) over input projections
    /// (batch, time, 3·units) that already include the input bias; returns every step's state (batch, time, units).
    /// <paramref name="mask"/> (batch, time) keeps the previous state where 0; <paramref name="recurrentDropout"/>
    /// (batch, units) multiplies the previous state inside the recurrent product. Neither gets a gradient.
    /// </summary>
    internal static Tensor GruSequence(Tensor projected, Tensor recurrentKernel, Tensor? recurrentBias, Tensor? mask, Tensor? recurrentDropout)
    {
        int batch = projected.Dims[0], steps = projected.Dims[1], units = recurrentKernel.Dims[0];
        var timeMajor = SwapLeadingAxes(projected.Data, batch, steps, 3 * units);
        var kernel = GruKernel.Forward(timeMajor, recurrentKernel.Data, recurrentBias?.Data,
            mask == null ? null : SwapLeadingAxes(mask.Data, batch, steps, 1), recurrentDropout?.Data, steps, batch, units);
        var states = SwapLeadingAxes(kernel.States.AsSpan(batch * units).ToArray(), steps, batch, units);
        Tensor[] inputs = recurrentBias == null ? [projected, recurrentKernel] : [projected, recurrentKernel, recurrentBias];
        return Tape.Record(new Tensor(states, [batch, steps, units]), inputs, g =>
        {
            var dProjected = new float[projected.Size];
            var dKernel = recurrentKernel.RequiresGrad ? new float[recurrentKernel.Size] : null;
            var dBias = recurrentBias is { RequiresGrad: true } ? new float[recurrentBias.Size] : null;
            kernel.Backward(SwapLeadingAxes(g.Data, batch, steps, units), dProjected, dKernel, dBias);
            var grads = new Tensor?[inputs.Length];
            grads[0] = new Tensor(SwapLeadingAxes(dProjected, steps, batch, 3 * units), projected.Shape);
            if (dKernel != null) grads[1] = new Tensor(dKernel, recurrentKernel.Shape);
            if (dBias != null) grads[2] = new Tensor(dBias, recurrentBias!.Shape);
            return grads;
        });
    }

    /// <summary>(a, b, rest) → (b, a, rest): batch-major sequences to time-major and back.</summary>
    private static float[] SwapLeadingAxes(float[] data, int a, int b, int rest)
    {
        var result = new float[data.Length];
        for (int i = 0; i < a; i++)
            for (int j = 0; j < b; j++)
                Array.Copy(data, (i * b + j) * rest, result, (j * a + i) * rest, rest);
        return result;
    }
}

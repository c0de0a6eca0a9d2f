using NormLab.Autograd;
using NormLab.Kernels;

namespace NormLab;

public static partial class Ops
{
    /// <summary>
    /// Dynamic Tanh (Zhu et al., CVPR 2025) over the last axis: <c>y = weight * tanh(alpha * x) + bias</c>,
    /// the statistics-free replacement for layer normalization. Differentiable in every argument.
    /// </summary>
    /// <param name="x">The input, rank >= 1; its last axis has the size of <paramref name="weight"/>.</param>
    /// <param name="alpha">The scalar steepness (shape [] or [1]).</param>
    /// <param name="weight">The per-feature scale, shape (features).</param>
    /// <param name="bias">The per-feature shift, shape (features).</param>
    /// <example><code>Tensor y = Ops.DynamicTanh(x, alpha, weight, bias);</code></example>
    public static Tensor DynamicTanh(Tensor x, Tensor alpha, Tensor weight, Tensor bias)
    {
        RequireLastAxisParameters("DynamicTanh", x, alpha, [weight, bias]);
        int n = x.Size, width = weight.Size;
        var t = new float[n];
        var y = new float[n];
        float a = alpha.Data[0];
        RowScaleKernel.DynamicTanhForward(x.Data.AsSpan(0, n), a, weight.Data.AsSpan(0, width), bias.Data.AsSpan(0, width), t, y);
        return Tape.Record(new Tensor(y, x.Shape), [x, alpha, weight, bias], g =>
        {
            var dx = new float[n];
            var dWeight = new double[width];
            var dBias = new double[width];
            RowScaleKernel.DynamicTanhBackward(x.Data.AsSpan(0, n), t, g.Data.AsSpan(0, n), a, weight.Data.AsSpan(0, width),
                dx, out double dAlpha, dWeight, dBias);
            return [new Tensor(dx, x.Shape), Tensor.Full(alpha.Shape, dAlpha), ToTensor(dWeight, weight.Shape), ToTensor(dBias, bias.Shape)];
        });
    }

    /// <summary>
    /// ScaleNorm (Nguyen and Salazar 2019) over the last axis: <c>y = gain * x / max(‖x‖₂, epsilon)</c>.
    /// The norm is accumulated in double, so rows of very large values do not overflow.
    /// </summary>
    /// <param name="x">The input, rank >= 1.</param>
    /// <param name="gain">The scalar gain g (shape [] or [1]).</param>
    /// <param name="epsilon">The floor of the norm (1e-5 in the paper); > 0.</param>
    /// <example><code>Tensor y = Ops.ScaleNorm(x, gain, epsilon: 1e-5);</code></example>
    /// <exception cref="ArgumentNullException">When <paramref name="x"/> or <paramref name="gain"/> is null.</exception>
    /// <exception cref="ArgumentException">When <paramref name="x"/> is a scalar, <paramref name="gain"/> does not hold one value, or <paramref name="epsilon"/> is not positive and finite.</exception>
    public static Tensor ScaleNorm(Tensor x, Tensor gain, double epsilon = 1e-5)
    {
        RequireLastAxisParameters("ScaleNorm", x, gain, []);
        if (!(epsilon > 0) || double.IsInfinity(epsilon))
            throw new ArgumentException($"ScaleNorm: epsilon must be > 0 and finite, received {epsilon}.");
        int n = x.Size, width = x.Dims[^1], rows = width == 0 ? 0 : n / width;
        var norms = new float[rows];
        var y = new float[n];
        float g0 = gain.Data[0];
        RowScaleKernel.ScaleNormForward(x.Data.AsSpan(0, n), width, g0, epsilon, norms, y);
        return Tape.Record(new Tensor(y, x.Shape), [x, gain], g =>
        {
            var dx = x.RequiresGrad ? new float[n] : [];
            double dGain = RowScaleKernel.ScaleNormBackward(x.Data.AsSpan(0, n), g.Data.AsSpan(0, n), width, g0, epsilon, norms, dx);
            return [x.RequiresGrad ? new Tensor(dx, x.Shape) : null, Tensor.Full(gain.Shape, dGain)];
        });
    }

    /// <summary>Checks a scalar and per-feature parameters against the last axis of <paramref name="x"/>.</summary>
    private static void RequireLastAxisParameters(string op, Tensor x, Tensor scalar, Tensor[] perFeature)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(scalar);
        if (x.Rank < 1)
            throw new ArgumentException($"{op}: expected an input of rank >= 1, received shape {Shapes.Format(x.Dims)}.");
        if (scalar.Size != 1)
            throw new ArgumentException($"{op}: the scalar parameter must hold one value, received shape {Shapes.Format(scalar.Dims)}.");
        foreach (var p in perFeature)
        {
            ArgumentNullException.ThrowIfNull(p);
            if (p.Rank != 1 || p.Size != x.Dims[^1])
                throw new ArgumentException($"{op}: per-feature parameters must have shape ({x.Dims[^1]}) for input of shape {Shapes.Format(x.Dims)}, received {Shapes.Format(p.Dims)}.");
        }
    }

    private static Tensor ToTensor(double[] values, int[] shape) => new(values.Select(v => (float)v).ToArray(), shape);
}

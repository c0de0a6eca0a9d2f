using System.Numerics.Tensors;

namespace NormLab.Kernels;

/// <summary>
/// The loops of the statistics-free normalizations over rows of the last axis: DynamicTanh
/// (y = w tanh(alpha x) + b) and ScaleNorm (y = g x / max(|x|, eps)). Row-wise TensorPrimitives
/// calls; the parameter sums are accumulated in double.
/// </summary>
internal static class RowScaleKernel
{
    /// <summary>t = tanh(alpha x) (kept for the backward) and y = t w + b, row by row.</summary>
    internal static void DynamicTanhForward(ReadOnlySpan<float> x, float alpha, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> t, Span<float> y)
    {
        int width = weight.Length;
        TensorPrimitives.Multiply(x, alpha, t);
        TensorPrimitives.Tanh(t, t);
        for (int row = 0; row < x.Length; row += width)
            TensorPrimitives.FusedMultiplyAdd(t.Slice(row, width), weight, bias, y.Slice(row, width));
    }

    /// <summary>
    /// Scalar math: dz = g w (1 - t²); dx = alpha dz; dalpha = sum x dz; dw = sum_rows g t; db = sum_rows g.
    /// <paramref name="dx"/> receives alpha dz; the sums are returned through the double accumulators.
    /// </summary>
    internal static void DynamicTanhBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> t, ReadOnlySpan<float> g, float alpha,
        ReadOnlySpan<float> weight, Span<float> dx, out double dAlpha, Span<double> dWeight, Span<double> dBias)
    {
        int width = weight.Length;
        double alphaSum = 0;
        Span<float> dz = width <= 4096 ? stackalloc float[width] : new float[width];
        for (int row = 0; row < x.Length; row += width)
        {
            var tr = t.Slice(row, width);
            var gr = g.Slice(row, width);
            for (int c = 0; c < width; c++)
            {
                dWeight[c] += gr[c] * tr[c];
                dBias[c] += gr[c];
                dz[c] = gr[c] * weight[c] * (1 - tr[c] * tr[c]);
            }
            alphaSum += TensorPrimitives.Dot(x.Slice(row, width), dz);
            TensorPrimitives.Multiply(dz, alpha, dx.Slice(row, width));
        }
        dAlpha = alphaSum;
    }

    /// <summary>The divisor of each row, max(sqrt(sum x²), eps), and y = g x / divisor.</summary>
    internal static void ScaleNormForward(ReadOnlySpan<float> x, int width, float gain, double epsilon, Span<float> norms, Span<float> y)
    {
        for (int row = 0, r = 0; row < x.Length; row += width, r++)
        {
            var xr = x.Slice(row, width);
            norms[r] = (float)Math.Sqrt(SumOfSquares(xr));
            float divisor = (float)Math.Max(norms[r], epsilon);
            TensorPrimitives.Multiply(xr, gain / divisor, y.Slice(row, width));
        }
    }

    /// <summary>
    /// Scalar math, per row with n = |x|, d = max(n, eps), s = sum g x:
    /// dx = (gain / d) (g - [n > eps] x s / (d n)); dgain = sum s / d.
    /// </summary>
    internal static double ScaleNormBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> g, int width, float gain, double epsilon,
        ReadOnlySpan<float> norms, Span<float> dx)
    {
        double dGain = 0;
        for (int row = 0, r = 0; row < x.Length; row += width, r++)
        {
            var xr = x.Slice(row, width);
            var gr = g.Slice(row, width);
            double n = norms[r], d = Math.Max(n, epsilon), s = TensorPrimitives.Dot(gr, xr);
            dGain += s / d;
            if (dx.IsEmpty) continue;
            var dxr = dx.Slice(row, width);
            TensorPrimitives.Multiply(gr, (float)(gain / d), dxr);
            if (n > epsilon) TensorPrimitives.MultiplyAdd(xr, (float)(-gain * s / (d * d * n)), dxr, dxr);
        }
        return dGain;
    }

    private static double SumOfSquares(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (var v in values) sum += (double)v * v;
        return sum;
    }
}

using System.Runtime.Intrinsics;

namespace NormLab.Kernels;

/// <summary>
/// Elementwise loops that the generic scalar paths leave on the table: the ReLU gradient mask and
/// the Adam update. Memory-bound, so one Vector256 pass each, with a scalar tail.
/// </summary>
internal static class ElementwiseKernel
{
    /// <summary>dx = x > 0 ? g : 0 (PyTorch's threshold_backward; dx may alias g).</summary>
    internal static unsafe void ReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> dx)
    {
        int n = x.Length, i = 0;
        fixed (float* xp = x, gp = g, dp = dx)
        {
            // Scalar math: dx[i] = x[i] > 0 ? g[i] : 0
            for (; i <= n - 8; i += 8)
            {
                var mask = Vector256.GreaterThan(Vector256.Load(xp + i), Vector256<float>.Zero);
                (Vector256.Load(gp + i) & mask).Store(dp + i);
            }
            for (; i < n; i++) dp[i] = xp[i] > 0 ? gp[i] : 0;
        }
    }

    /// <summary>
    /// One Adam step in place, b1 = 1 - beta1, b2 = 1 - beta2, alpha the bias-corrected step size.
    /// The vector lanes do exactly the scalar operations in the same order, so results are bitwise equal.
    /// </summary>
    internal static unsafe void Adam(float[] weight, float[] gradient, float[] m, float[] v, float alpha, float b1, float b2, float eps)
    {
        int n = weight.Length, i = 0;
        fixed (float* w = weight, g = gradient, mp = m, vp = v)
        {
            var vb1 = Vector256.Create(b1);
            var vb2 = Vector256.Create(b2);
            var va = Vector256.Create(alpha);
            var ve = Vector256.Create(eps);
            // Scalar math: m += (g - m) b1; v += (g² - v) b2; w -= alpha m / (sqrt v + eps)
            for (; i <= n - 8; i += 8)
            {
                var gi = Vector256.Load(g + i);
                var mi = Vector256.Load(mp + i);
                var vi = Vector256.Load(vp + i);
                mi += (gi - mi) * vb1;
                vi += (gi * gi - vi) * vb2;
                mi.Store(mp + i);
                vi.Store(vp + i);
                (Vector256.Load(w + i) - va * mi / (Vector256.Sqrt(vi) + ve)).Store(w + i);
            }
            for (; i < n; i++)
            {
                float gi = g[i];
                mp[i] += (gi - mp[i]) * b1;
                vp[i] += (gi * gi - vp[i]) * b2;
                w[i] -= alpha * mp[i] / (MathF.Sqrt(vp[i]) + eps);
            }
        }
    }
}

using NormLab.Autograd;

namespace NormLab;

public static partial class Ops
{
    /// <summary>
    /// Local response normalization across the last axis (TensorFlow's convention, no division of
    /// alpha by the window): <c>y[c] = x[c] / (bias + alpha * sum_{|c' - c| &lt;= r} x[c']²)^beta</c>,
    /// the window clipped at the borders. Hand-derived backward:
    /// <c>dx[j] = dy[j] * s[j]^-beta - 2 alpha beta x[j] * sum_{|c - j| &lt;= r} dy[c] x[c] s[c]^(-beta-1)</c>.
    /// </summary>
    internal static Tensor LocalResponseNorm(Tensor x, int depthRadius, double bias, double alpha, double beta)
    {
        int C = x.Dims[^1], rows = C == 0 ? 0 : x.Size / C;
        var xs = x.Data;
        var s = new double[x.Size];
        var y = new float[x.Size];
        var prefix = new double[C + 1];
        for (int row = 0; row < rows; row++)
        {
            int o = row * C;
            for (int c = 0; c < C; c++) prefix[c + 1] = prefix[c] + (double)xs[o + c] * xs[o + c];
            for (int c = 0; c < C; c++)
            {
                // Scalar math: s = bias + alpha * sum(x[c-r..c+r]²); y = x * s^-beta
                int lo = Math.Max(0, c - depthRadius), hi = Math.Min(C - 1, c + depthRadius);
                double sc = bias + alpha * (prefix[hi + 1] - prefix[lo]);
                s[o + c] = sc;
                y[o + c] = (float)(xs[o + c] * Math.Pow(sc, -beta));
            }
        }
        return Tape.Record(new Tensor(y, x.Shape), [x], dy =>
        {
            var g = dy.Data;
            var dx = new float[x.Size];
            var t = new double[C + 1];
            for (int row = 0; row < rows; row++)
            {
                int o = row * C;
                for (int c = 0; c < C; c++) t[c + 1] = t[c] + g[o + c] * (double)xs[o + c] * Math.Pow(s[o + c], -beta - 1);
                for (int j = 0; j < C; j++)
                {
                    int lo = Math.Max(0, j - depthRadius), hi = Math.Min(C - 1, j + depthRadius);
                    dx[o + j] = (float)(g[o + j] * Math.Pow(s[o + j], -beta) - 2 * alpha * beta * xs[o + j] * (t[hi + 1] - t[lo]));
                }
            }
            return [new Tensor(dx, x.Shape)];
        });
    }
}

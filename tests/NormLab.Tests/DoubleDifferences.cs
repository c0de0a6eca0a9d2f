namespace NormLab.Tests;

/// <summary>Gradients of a double-precision reference by central differences, for differential tests.</summary>
public static class DoubleDifferences
{
    /// <summary>
    /// The gradient of <paramref name="f"/> at <paramref name="at"/>: each coordinate stepped by
    /// ±1e-6 · max(1, |value|). In double the truncation error is about 1e-12 and the rounding error about
    /// 1e-10 relative to f, so the result checks a float32 layer's gradient to its own precision.
    /// </summary>
    public static double[] Gradient(double[] at, Func<double[], double> f)
    {
        var g = new double[at.Length];
        for (int i = 0; i < at.Length; i++)
        {
            double h = 1e-6 * Math.Max(1, Math.Abs(at[i]));
            var v = (double[])at.Clone();
            v[i] = at[i] + h; double up = f(v);
            v[i] = at[i] - h; double down = f(v);
            g[i] = (up - down) / (2 * h);
        }
        return g;
    }
}

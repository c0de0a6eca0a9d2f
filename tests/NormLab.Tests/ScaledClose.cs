using Xunit;

namespace NormLab.Tests;

/// <summary>Comparison of a layer's float output with a double-precision reference.</summary>
public static class ScaledClose
{
    /// <summary>Asserts |actual - expected| ≤ tol · max(1, max |expected|) for every element: one absolute
    /// tolerance per tensor, scaled to its largest value, so that a value near zero in a tensor of large ones
    /// is judged on the tensor's scale (its float rounding error is) rather than on its own.</summary>
    public static void AllClose(double[] expected, float[] actual, double tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(1, expected.Length == 0 ? 0 : expected.Max(Math.Abs));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * scale,
                $"{what}[{i}]: expected {expected[i]}, got {actual[i]} (tolerance {tol * scale:G3})");
    }
}

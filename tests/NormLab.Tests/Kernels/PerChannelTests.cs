using NormLab.Kernels;
using Xunit;

namespace NormLab.Tests.Kernels;

/// <summary>The vectorized per-channel bookkeeping against its scalar formulas: bit-identical results.</summary>
public class PerChannelTests
{
    private static double[] Doubles(int n, int seed, double scale, double shift)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => shift + scale * r.NextDouble()).ToArray();
    }

    private static float[] Floats(int n, int seed, double scale, double shift) =>
        Doubles(n, seed, scale, shift).Select(v => (float)v).ToArray();

    // 3: the scalar loop alone; 8: the vector loop alone; 13: both; 128: a BN layer's channels.
    public static TheoryData<int> Lengths => new() { 3, 8, 13, 128 };

    [Theory]
    [MemberData(nameof(Lengths))]
    public void InvStdIsTheScalarFormula(int n)
    {
        var variance = Doubles(n, 1, 5, 1e-6);
        var s = new float[n];
        PerChannel.InvStd(variance, 1e-3, s);
        for (int i = 0; i < n; i++) Assert.Equal((float)(1.0 / Math.Sqrt(variance[i] + 1e-3)), s[i]);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void MovingAverageIsTheScalarFormula(int n)
    {
        var moving = Floats(n, 2, 4, -2); var values = Doubles(n, 3, 4, -2);
        var expected = moving.Select((m, i) => (float)(m * 0.99 + values[i] * (1 - 0.99))).ToArray();
        PerChannel.MovingAverage(moving, values, 0.99);
        Assert.Equal(expected, moving);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void CoefficientsAreTheScalarFormula(int n)
    {
        // Means near 1e6: the part of the mean below the float's precision must reach the shift.
        var mean = Doubles(n, 4, 10, 1e6); var invstd = Floats(n, 5, 2, 0.1);
        var gamma = Floats(n, 6, 2, -1); var beta = Floats(n, 7, 2, -1);
        var mh = new float[n]; var a = new float[n]; var sh = new float[n];
        PerChannel.Coefficients(mean, invstd, gamma, beta, mh, a, sh);
        for (int i = 0; i < n; i++)
        {
            float hi = (float)mean[i];
            double ac = invstd[i] * (double)gamma[i];
            Assert.Equal(hi, mh[i]);
            Assert.Equal((float)ac, a[i]);
            Assert.Equal((float)(beta[i] - (mean[i] - hi) * ac), sh[i]);
        }
    }
}

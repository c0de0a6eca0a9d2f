using NormLab.Kernels;
using Xunit;

namespace NormLab.Tests.Kernels;

public class PoolKernelTests
{
    public static IEnumerable<object[]> Cases() =>
    [
        // batch, inH, inW, channels, poolH, poolW, strideH, strideW, padding
        [2, 6, 6, 3, 2, 2, 2, 2, "valid"],
        [2, 7, 5, 3, 2, 2, 2, 2, "same"],
        [2, 7, 5, 11, 3, 3, 2, 2, "same"],   // vector + scalar channel tail
        [1, 8, 9, 16, 3, 2, 1, 1, "same"],   // overlapping windows
        [3, 9, 7, 9, 3, 3, 2, 1, "valid"],
        [1, 5, 5, 8, 5, 5, 3, 3, "same"],
        [8, 28, 28, 32, 2, 2, 2, 2, "valid"], // big enough to thread
    ];

    /// <summary>Forty random geometries (fixed seed): any window, stride and padding on small inputs, channel
    /// counts on both sides of the vector width, those whose output would be empty left out.</summary>
    public static IEnumerable<object[]> RandomCases()
    {
        var rng = new Random(12);
        for (int made = 0; made < 40;)
        {
            object[] c = [rng.Next(1, 4), rng.Next(1, 11), rng.Next(1, 11), rng.Next(1, 18), rng.Next(1, 5), rng.Next(1, 5),
                rng.Next(1, 4), rng.Next(1, 4), rng.Next(2) == 0 ? "same" : "valid"];
            var g = Geometry(c);
            if (g.OutH < 1 || g.OutW < 1) continue;
            made++;
            yield return c;
        }
    }

    private static Pool2DGeometry Geometry(object[] c) => Pool2DGeometry.Create((int)c[0], (int)c[1], (int)c[2], (int)c[3],
        (int)c[4], (int)c[5], (int)c[6], (int)c[7], (string)c[8]);

    /// <summary>Visits (output index, list of real input indices in its window).</summary>
    private static void ForEachWindow(Pool2DGeometry g, Action<int, List<int>> visit)
    {
        for (int b = 0; b < g.Batch; b++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++)
                    for (int c = 0; c < g.Channels; c++)
                    {
                        var window = new List<int>();
                        for (int ph = 0; ph < g.PoolH; ph++)
                            for (int pw = 0; pw < g.PoolW; pw++)
                            {
                                int ih = oh * g.StrideH - g.PadTop + ph, iw = ow * g.StrideW - g.PadLeft + pw;
                                if (ih >= 0 && ih < g.InH && iw >= 0 && iw < g.InW)
                                    window.Add(((b * g.InH + ih) * g.InW + iw) * g.Channels + c);
                            }
                        visit(((b * g.OutH + oh) * g.OutW + ow) * g.Channels + c, window);
                    }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    [MemberData(nameof(RandomCases))]
    public void MaxMatchesReference(int batch, int inH, int inW, int channels, int poolH, int poolW, int strideH, int strideW, string padding)
    {
        var g = Geometry([batch, inH, inW, channels, poolH, poolW, strideH, strideW, padding]);
        var x = GemmTests.Random((int)g.InputLength, 1);
        var dy = GemmTests.Random((int)g.OutputLength, 2);
        var y = new float[g.OutputLength];
        var argmax = new int[g.OutputLength];
        PoolKernel.MaxForward(g, x, y, argmax);

        var dxExpected = new double[g.InputLength];
        ForEachWindow(g, (o, window) =>
        {
            int best = window[0];
            foreach (int i in window) if (x[i] > x[best]) best = i;
            Assert.Equal(x[best], y[o]);
            Assert.Equal(best, argmax[o]);
            dxExpected[best] += dy[o];
        });

        var dx = GemmTests.Random((int)g.InputLength, 3);
        PoolKernel.MaxBackward(g, dy, argmax, dx);
        for (int i = 0; i < dx.Length; i++) Assert.Equal(dxExpected[i], dx[i], 1e-5);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    [MemberData(nameof(RandomCases))]
    public void AverageMatchesReference(int batch, int inH, int inW, int channels, int poolH, int poolW, int strideH, int strideW, string padding)
    {
        var g = Geometry([batch, inH, inW, channels, poolH, poolW, strideH, strideW, padding]);
        var x = GemmTests.Random((int)g.InputLength, 4);
        var dy = GemmTests.Random((int)g.OutputLength, 5);
        var y = GemmTests.Random((int)g.OutputLength, 6);
        PoolKernel.AverageForward(g, x, y);

        var dxExpected = new double[g.InputLength];
        ForEachWindow(g, (o, window) =>
        {
            double sum = 0;
            foreach (int i in window) sum += x[i];
            Assert.Equal(sum / window.Count, y[o], 1e-5);
            foreach (int i in window) dxExpected[i] += (double)dy[o] / window.Count;
        });

        var dx = GemmTests.Random((int)g.InputLength, 7);
        PoolKernel.AverageBackward(g, dy, dx);
        for (int i = 0; i < dx.Length; i++) Assert.Equal(dxExpected[i], dx[i], 1e-5);
    }

    [Fact]
    public void SamePaddingAveragesOnlyRealElements()
    {
        // 3×3 input, 2×2 pool, stride 2, "same": out 2×2; the bottom-right window holds one real element.
        var g = Pool2DGeometry.Create(1, 3, 3, 1, 2, 2, 2, 2, "same");
        Assert.Equal((2, 2, 0, 0), (g.OutH, g.OutW, g.PadTop, g.PadLeft));
        var x = new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
        var y = new float[4];
        PoolKernel.AverageForward(g, x, y);
        Assert.Equal(new float[] { 3f, 4.5f, 7.5f, 9f }, y);
    }

    [Fact]
    public void MaxIgnoresPaddingForNegativeInputs()
    {
        var g = Pool2DGeometry.Create(1, 3, 3, 1, 2, 2, 2, 2, "same");
        var x = new float[] { -1, -2, -3, -4, -5, -6, -7, -8, -9 };
        var y = new float[4];
        var argmax = new int[4];
        PoolKernel.MaxForward(g, x, y, argmax);
        Assert.Equal(new float[] { -1, -3, -7, -9 }, y);
        Assert.Equal(new[] { 0, 2, 6, 8 }, argmax);
    }
}

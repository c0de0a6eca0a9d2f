using NormLab.Kernels;
using Xunit;

namespace NormLab.Tests.Kernels;

public class Conv2DKernelTests
{
    /// <summary>Visits every (output element, kernel tap) pair that reads a real (non-padding) input element.</summary>
    private static void ForEachTap(Conv2DGeometry g, Action<int, int, int> visit)
    {
        for (int b = 0; b < g.Batch; b++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++)
                    for (int kh = 0; kh < g.KernelH; kh++)
                        for (int kw = 0; kw < g.KernelW; kw++)
                        {
                            int ih = oh * g.StrideH - g.PadTop + kh * g.DilationH;
                            int iw = ow * g.StrideW - g.PadLeft + kw * g.DilationW;
                            if (ih < 0 || ih >= g.InH || iw < 0 || iw >= g.InW) continue;
                            for (int ci = 0; ci < g.InC; ci++)
                                for (int co = 0; co < g.OutC; co++)
                                {
                                    int yi = ((b * g.OutH + oh) * g.OutW + ow) * g.OutC + co;
                                    int xi = ((b * g.InH + ih) * g.InW + iw) * g.InC + ci;
                                    int ki = ((kh * g.KernelW + kw) * g.InC + ci) * g.OutC + co;
                                    visit(yi, xi, ki);
                                }
                        }
    }

    private static void AssertClose(double[] expected, float[] actual, double tol, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * (1 + Math.Abs(expected[i])), $"{what}[{i}] = {actual[i]}, expected {expected[i]}");
    }

    public static IEnumerable<object[]> Cases() =>
    [
        // batch, inH, inW, inC, kh, kw, outC, sh, sw, dh, dw, padding
        [2, 7, 6, 3, 3, 3, 5, 1, 1, 1, 1, "same"],
        [2, 7, 6, 3, 3, 3, 5, 1, 1, 1, 1, "valid"],
        [3, 9, 8, 2, 3, 2, 4, 2, 2, 1, 1, "same"],
        [3, 9, 8, 2, 3, 3, 4, 2, 1, 1, 1, "valid"],
        [2, 10, 11, 3, 3, 3, 6, 1, 1, 2, 2, "same"],
        [2, 10, 11, 3, 3, 2, 6, 1, 2, 2, 1, "valid"],
        [1, 5, 5, 4, 1, 1, 7, 1, 1, 1, 1, "same"],     // pointwise: no im2col
        [2, 5, 6, 4, 1, 1, 3, 2, 2, 1, 1, "valid"],    // 1×1 with stride: needs im2col
        [1, 4, 4, 1, 5, 5, 2, 1, 1, 1, 1, "same"],     // kernel larger than the input
        [2, 17, 13, 1, 3, 3, 17, 1, 1, 1, 1, "same"],  // InC = 1, odd OutC
        [1, 6, 6, 2, 4, 4, 3, 3, 3, 1, 1, "same"],     // even kernel, uneven padding
        [4, 28, 28, 8, 3, 3, 16, 1, 1, 1, 1, "same"],  // big enough to thread
    ];

    /// <summary>Forty random geometries (fixed seed) beyond the chosen ones: any kernel, stride, dilation and
    /// padding on small inputs, those whose output would be empty left out.</summary>
    public static IEnumerable<object[]> RandomCases()
    {
        var rng = new Random(11);
        for (int made = 0; made < 40;)
        {
            object[] c = [rng.Next(1, 4), rng.Next(1, 13), rng.Next(1, 13), rng.Next(1, 10), rng.Next(1, 6), rng.Next(1, 6), rng.Next(1, 10),
                rng.Next(1, 4), rng.Next(1, 4), rng.Next(1, 3), rng.Next(1, 3), rng.Next(2) == 0 ? "same" : "valid"];
            var g = Geometry(c);
            if (g.OutH < 1 || g.OutW < 1) continue;
            made++;
            yield return c;
        }
    }

    private static Conv2DGeometry Geometry(object[] c) => Conv2DGeometry.Create((int)c[0], (int)c[1], (int)c[2], (int)c[3],
        (int)c[4], (int)c[5], (int)c[6], (int)c[7], (int)c[8], (int)c[9], (int)c[10], (string)c[11]);

    [Theory]
    [MemberData(nameof(Cases))]
    [MemberData(nameof(RandomCases))]
    public void ForwardMatchesDirectConvolution(int batch, int inH, int inW, int inC, int kh, int kw, int outC,
        int sh, int sw, int dh, int dw, string padding)
    {
        var g = Geometry([batch, inH, inW, inC, kh, kw, outC, sh, sw, dh, dw, padding]);
        var x = GemmTests.Random((int)g.InputLength, 1);
        var k = GemmTests.Random((int)g.KernelLength, 2);
        var bias = GemmTests.Random(outC, 3);
        var expected = new double[g.OutputLength];
        for (int i = 0; i < expected.Length; i++) expected[i] = bias[i % outC];
        ForEachTap(g, (yi, xi, ki) => expected[yi] += (double)x[xi] * k[ki]);

        var y = GemmTests.Random((int)g.OutputLength, 4); // garbage: must be overwritten
        Conv2DKernel.Forward(g, x, k, bias, y);
        AssertClose(expected, y, 1e-5, "y");

        // Without bias too.
        for (int i = 0; i < expected.Length; i++) expected[i] -= bias[i % outC];
        Conv2DKernel.Forward(g, x, k, null, y);
        AssertClose(expected, y, 1e-5, "y (no bias)");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    [MemberData(nameof(RandomCases))]
    public void BackwardMatchesAdjoint(int batch, int inH, int inW, int inC, int kh, int kw, int outC,
        int sh, int sw, int dh, int dw, string padding)
    {
        var g = Geometry([batch, inH, inW, inC, kh, kw, outC, sh, sw, dh, dw, padding]);
        var x = GemmTests.Random((int)g.InputLength, 5);
        var k = GemmTests.Random((int)g.KernelLength, 6);
        var dy = GemmTests.Random((int)g.OutputLength, 7);
        var dxExpected = new double[g.InputLength];
        var dkExpected = new double[g.KernelLength];
        var dkScale = new double[g.KernelLength];
        ForEachTap(g, (yi, xi, ki) =>
        {
            dxExpected[xi] += (double)dy[yi] * k[ki];
            dkExpected[ki] += (double)dy[yi] * x[xi];
            dkScale[ki] += Math.Abs((double)dy[yi] * x[xi]);
        });

        var dx = GemmTests.Random((int)g.InputLength, 8);
        var dk = GemmTests.Random((int)g.KernelLength, 9);
        Conv2DKernel.BackwardInput(g, dy, k, dx);
        Conv2DKernel.BackwardKernel(g, x, dy, dk);
        AssertClose(dxExpected, dx, 1e-5, "dx");
        // dKernel sums over every pixel of the batch: float32 rounding grows with the sum of |terms|.
        for (int i = 0; i < dk.Length; i++)
            Assert.True(Math.Abs(dkExpected[i] - dk[i]) <= 1e-6 * dkScale[i] + 1e-6, $"dKernel[{i}] = {dk[i]}, expected {dkExpected[i]}");
    }

    [Fact]
    public void AdjointIdentitiesHoldOnTheMnistLayer()
    {
        // <dy, conv(x, k)> = <convᵀ(dy, k), x> = <dK(x, dy), k> on the 32→64 layer of the MNIST CNN.
        var g = Conv2DGeometry.Create(3, 28, 28, 32, 3, 3, 64, 1, 1, 1, 1, "same");
        var x = GemmTests.Random((int)g.InputLength, 10);
        var k = GemmTests.Random((int)g.KernelLength, 11);
        var dy = GemmTests.Random((int)g.OutputLength, 12);
        var y = new float[g.OutputLength];
        var dx = new float[g.InputLength];
        var dk = new float[g.KernelLength];
        Conv2DKernel.Forward(g, x, k, null, y);
        Conv2DKernel.BackwardInput(g, dy, k, dx);
        Conv2DKernel.BackwardKernel(g, x, dy, dk);
        double Dot(float[] u, float[] v) { double s = 0; for (int i = 0; i < u.Length; i++) s += (double)u[i] * v[i]; return s; }
        double lhs = Dot(dy, y);
        Assert.Equal(lhs, Dot(dx, x), 1e-3 * Math.Abs(lhs) + 1e-2);
        Assert.Equal(lhs, Dot(dk, k), 1e-3 * Math.Abs(lhs) + 1e-2);
    }

    [Theory]
    [InlineData(28, 3, 1, 1, "same", 28, 1)]
    [InlineData(28, 3, 1, 1, "valid", 26, 0)]
    [InlineData(28, 3, 2, 1, "same", 14, 0)]   // pad_total = 13*2 + 3 - 28 = 1: all of it at the bottom
    [InlineData(7, 3, 2, 1, "same", 4, 1)]
    [InlineData(10, 3, 1, 2, "same", 10, 2)]
    [InlineData(10, 3, 1, 2, "valid", 6, 0)]
    [InlineData(6, 4, 1, 1, "same", 6, 1)]     // pad_total = 3: 1 on top, 2 at the bottom
    public void GeometryFollowsKeras(int input, int kernel, int stride, int dilation, string padding, int output, int pad)
    {
        var g = Conv2DGeometry.Create(1, input, input, 1, kernel, kernel, 1, stride, stride, dilation, dilation, padding);
        Assert.Equal(output, g.OutH);
        Assert.Equal(output, g.OutW);
        Assert.Equal(pad, g.PadTop);
        Assert.Equal(pad, g.PadLeft);
    }
}

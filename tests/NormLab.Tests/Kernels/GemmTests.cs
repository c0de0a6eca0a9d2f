using NormLab.Kernels;
using Xunit;

namespace NormLab.Tests.Kernels;

public class GemmTests
{
    /// <summary>op(A)·op(B) in double, straight from the definition.</summary>
    private static double[] Naive(float[] a, float[] b, int m, int n, int k, bool transA, bool transB, int aOff, int bOff)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                {
                    double av = transA ? a[aOff + p * m + i] : a[aOff + i * k + p];
                    double bv = transB ? b[bOff + j * k + p] : b[bOff + p * n + j];
                    s += av * bv;
                }
                c[i * n + j] = s;
            }
        return c;
    }

    internal static float[] Random(int len, int seed)
    {
        var rng = new Random(seed);
        var x = new float[len];
        for (int i = 0; i < len; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    private static void Check(int m, int n, int k, bool transA, bool transB, bool accumulate,
        int aOff = 0, int bOff = 0, int cOff = 0, int threads = 0)
    {
        var a = Random(aOff + m * k + 3, 1);
        var b = Random(bOff + k * n + 3, 2);
        var c = Random(cOff + m * n + 5, 3);
        var before = (float[])c.Clone();
        int saved = KernelThreads.Max;
        if (threads > 0) KernelThreads.Max = threads;
        try { Gemm.Multiply(a, b, c, m, n, k, transA, transB, accumulate, aOff, bOff, cOff); }
        finally { KernelThreads.Max = saved; }
        var expected = Naive(a, b, m, n, k, transA, transB, aOff, bOff);
        double tol = 1e-5 * Math.Max(1, k) + 1e-5;
        for (int i = 0; i < m * n; i++)
        {
            double e = expected[i] + (accumulate ? before[cOff + i] : 0);
            Assert.True(Math.Abs(c[cOff + i] - e) <= tol, $"m={m} n={n} k={k} tA={transA} tB={transB} acc={accumulate}: C[{i}]={c[cOff + i]} expected {e}");
        }
        // Nothing outside the C window is touched.
        for (int i = 0; i < cOff; i++) Assert.Equal(before[i], c[i]);
        for (int i = cOff + m * n; i < c.Length; i++) Assert.Equal(before[i], c[i]);
    }

    public static IEnumerable<object[]> Sizes()
    {
        int[][] shapes =
        [
            [1, 1, 1], [1, 17, 33], [17, 1, 33], [3, 5, 7], [6, 16, 1], [7, 17, 3],
            [17, 33, 17], [33, 17, 300], [12, 32, 257], [130, 20, 9], [1, 100, 513], [64, 48, 64],
        ];
        foreach (var s in shapes)
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    yield return [s[0], s[1], s[2], ta, tb];
    }

    /// <summary>Thirty random shapes and transpositions (fixed seed), from one row up to past the packing blocks.</summary>
    public static IEnumerable<object[]> RandomSizes()
    {
        var rng = new Random(13);
        for (int i = 0; i < 30; i++)
            yield return [rng.Next(1, 200), rng.Next(1, 200), rng.Next(1, 400), rng.Next(2) == 0, rng.Next(2) == 0];
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    [MemberData(nameof(RandomSizes))]
    public void MatchesNaive(int m, int n, int k, bool transA, bool transB)
    {
        Check(m, n, k, transA, transB, accumulate: false);
        Check(m, n, k, transA, transB, accumulate: true);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void HonorsOffsets(bool transA, bool transB)
    {
        Check(9, 19, 21, transA, transB, accumulate: false, aOff: 5, bOff: 7, cOff: 11);
        Check(1, 19, 21, transA, transB, accumulate: true, aOff: 5, bOff: 7, cOff: 11);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(true, false)]
    public void LargeMultiThreaded(bool transA, bool transB)
    {
        // Past the threading threshold, over several KC and MC blocks, with tails in every dimension.
        Check(259, 301, 530, transA, transB, accumulate: false, threads: 2);
        Check(301, 259, 530, transA, transB, accumulate: true, threads: 3);
    }

    [Theory]
    [InlineData(13, 150, 270)]
    [InlineData(7, 131, 5)]
    [InlineData(20, 257, 300)]
    public void WideBlocksUsePackedPanelsOfA(int m, int n, int k)
    {
        // One thread keeps the column block wider than the read-A-in-place limit.
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
            {
                Check(m, n, k, ta, tb, accumulate: false, threads: 1);
                Check(m, n, k, ta, tb, accumulate: true, threads: 1);
            }
    }

    [Fact]
    public void ZeroDepthClearsOrKeeps()
    {
        var c = new float[] { 1, 2, 3, 4, 5, 6 };
        Gemm.Multiply([], [], c, 2, 3, 0, accumulate: true);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, c);
        Gemm.Multiply([], [], c, 2, 3, 0);
        Assert.All(c, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void SingleThreadedMatchesThreaded()
    {
        var a = Random(200 * 150, 4);
        var b = Random(150 * 180, 5);
        var c1 = new float[200 * 180];
        var c2 = new float[200 * 180];
        Gemm.Multiply(a, b, c1, 200, 180, 150);
        Gemm.MultiplySingleThreaded(a, b, c2, 200, 180, 150);
        Assert.Equal(c1, c2);
    }
}

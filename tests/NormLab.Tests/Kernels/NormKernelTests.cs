using NormLab.Kernels;
using Xunit;

namespace NormLab.Tests.Kernels;

/// <summary>The moments and normalize kernels against naive double-precision loops.</summary>
public class NormKernelTests
{
    private static float[] Rand(int n, int seed, float scale = 1f, float shift = 0f)
    {
        var r = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = shift + scale * (float)(r.NextDouble() * 2 - 1);
        return a;
    }

    private static int Idx(int b, int o, int k, int i, int O, int K, int I) => ((b * O + o) * K + k) * I + i;

    private static (double[] mean, double[] var) NaiveMoments(float[] x, int B, int O, int K, int I)
    {
        var mean = new double[B * K]; var v = new double[B * K];
        for (int b = 0; b < B; b++)
            for (int k = 0; k < K; k++)
            {
                double s = 0;
                for (int o = 0; o < O; o++) for (int i = 0; i < I; i++) s += x[Idx(b, o, k, i, O, K, I)];
                double m = s / (O * I), q = 0;
                for (int o = 0; o < O; o++) for (int i = 0; i < I; i++) { double d = x[Idx(b, o, k, i, O, K, I)] - m; q += d * d; }
                mean[b * K + k] = m; v[b * K + k] = q / (O * I);
            }
        return (mean, v);
    }

    private static void Close(double expected, double actual, double rtol, double atol, string what)
        => Assert.True(Math.Abs(expected - actual) <= atol + rtol * Math.Abs(expected), $"{what}: expected {expected}, got {actual}");

    public static TheoryData<int, int, int, int, int> Views => new()
    {
        { 1, 37, 5, 1, 1 },       // BN rank 2, odd channel count (scalar tail)
        { 1, 4000, 64, 1, 2 },    // BN NHWC, threaded over rows
        { 1, 8, 16, 49, 1 },      // BN NCHW
        { 33, 1, 1, 128, 1 },     // LN rows
        { 4, 49, 4, 8, 2 },       // GN NHWC
        { 4, 1, 4, 5000, 1 },     // GN NCHW, segments longer than one block
        { 3, 7, 3, 1, 1 },        // IN NHWC
        { 64, 400, 16, 1, 2 },    // many samples, threaded over b
    };

    [Theory]
    [MemberData(nameof(Views))]
    public void MomentsMatchNaive(int B, int O, int K, int I, int threads)
    {
        var x = Rand(B * O * K * I, 1, 3f, 0.5f);
        int old = KernelThreads.Max;
        KernelThreads.Max = threads;
        try
        {
            var mean = new double[B * K]; var v = new double[B * K];
            Moments.Compute(x, B, O, K, I, mean, v);
            var (em, ev) = NaiveMoments(x, B, O, K, I);
            for (int j = 0; j < B * K; j++)
            {
                Close(em[j], mean[j], 1e-6, 1e-6, $"mean[{j}]");
                Close(ev[j], v[j], 1e-5, 1e-6, $"var[{j}]");
            }
        }
        finally { KernelThreads.Max = old; }
    }

    [Theory]
    [InlineData(1, 3000, 8, 1)]
    [InlineData(4, 1, 1, 10000)]
    public void MomentsStableForLargeMean(int B, int O, int K, int I)
    {
        // mean 1e6, std ~1: E[x^2] - E[x]^2 in float would give garbage.
        var r = new Random(5);
        var x = new float[B * O * K * I];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(1e6 + NextGaussian(r));
        var mean = new double[B * K]; var v = new double[B * K];
        Moments.Compute(x, B, O, K, I, mean, v);
        var (em, ev) = NaiveMoments(x, B, O, K, I);
        for (int j = 0; j < B * K; j++)
        {
            Close(em[j], mean[j], 1e-12, 1e-6, "mean");
            Close(ev[j], v[j], 1e-5, 0, "var");
        }
    }

    [Fact]
    public void MomentsPropagateNaN()
    {
        var x = Rand(40, 2); x[7] = float.NaN; // channel 7 % 4 = 3
        var mean = new double[4]; var v = new double[4];
        Moments.Compute(x, 1, 10, 4, 1, mean, v);
        Assert.True(double.IsNaN(mean[3]) && double.IsNaN(v[3]));
        Assert.False(double.IsNaN(mean[0]) || double.IsNaN(v[0]));
    }

    [Fact]
    public void MomentsOfInfiniteColumnsAreNaN()
    {
        // Five channels: the first four finish in a vector, the fifth in the scalar loop.
        var x = Rand(50, 3); x[5 + 1] = float.PositiveInfinity; x[20 + 4] = float.NegativeInfinity;
        var mean = new double[5]; var v = new double[5];
        Moments.Compute(x, 1, 10, 5, 1, mean, v);
        foreach (int c in new[] { 1, 4 }) Assert.True(double.IsNaN(mean[c]) && double.IsNaN(v[c]), $"channel {c}");
        foreach (int c in new[] { 0, 2, 3 }) Assert.True(double.IsFinite(mean[c]) && double.IsFinite(v[c]), $"channel {c}");
    }

    private static double NextGaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    public static TheoryData<int, int, int, int, int, bool> ChannelViews => new()
    {
        { 1, 50, 6, 1, 6, true },     // BN NHWC
        { 1, 12000, 16, 1, 16, true }, // BN NHWC threaded
        { 1, 5, 3, 20, 3, true },     // BN NCHW
        { 3, 10, 8, 1, 4, true },     // GN NHWC
        { 2, 1, 8, 9, 2, true },      // GN NCHW
        { 2, 6, 5, 1, 5, true },      // IN
        { 1, 50, 6, 1, 6, false },    // BN inference (constant statistics)
    };

    [Theory]
    [MemberData(nameof(ChannelViews))]
    public void ChannelForwardBackwardMatchNaive(int B, int O, int C, int I, int G, bool batchStats)
    {
        int n = B * O * C * I, cg = C / G;
        var x = Rand(n, 3, 2f, 1f); var dy = Rand(n, 4);
        var gamma = Rand(C, 5, 1f, 1f); var beta = Rand(C, 6);
        var mean = new double[B * G]; var v = new double[B * G];
        Moments.Compute(x, B, O, G, cg * I, mean, v);
        if (!batchStats) for (int j = 0; j < B * G; j++) { mean[j] += 0.3; v[j] *= 1.7; }
        const double eps = 1e-3;
        var invstd = v.Select(q => (float)(1 / Math.Sqrt(q + eps))).ToArray();
        var y = new float[n];
        Normalize.ChannelForward(x, y, B, O, C, I, G, mean, invstd, gamma, beta);
        var dx = new float[n]; var dg = new float[C]; var db = new float[C];
        Normalize.ChannelBackward(x, dy, B, O, C, I, G, mean, invstd, gamma, batchStats, dx, dg, db);

        // Naive: double loops over each group with the textbook formulas.
        var edx = new double[n]; var edg = new double[C]; var edb = new double[C];
        double gsz = O * I * cg;
        for (int b = 0; b < B; b++)
            for (int g = 0; g < G; g++)
            {
                double m = mean[b * G + g], s = 1 / Math.Sqrt(v[b * G + g] + eps);
                double sg = 0, sgx = 0;
                foreach (var (j, c) in GroupElems(b, g, O, C, I, cg))
                {
                    double xh = (x[j] - m) * s;
                    Close(gamma[c] * xh + beta[c], y[j], 1e-5, 1e-5, "y");
                    edg[c] += dy[j] * xh; edb[c] += dy[j];
                    sg += dy[j] * gamma[c]; sgx += dy[j] * gamma[c] * xh;
                }
                foreach (var (j, c) in GroupElems(b, g, O, C, I, cg))
                {
                    double xh = (x[j] - m) * s;
                    edx[j] = batchStats ? s * (dy[j] * gamma[c] - sg / gsz - xh * sgx / gsz) : s * dy[j] * gamma[c];
                }
            }
        for (int j = 0; j < n; j++) Close(edx[j], dx[j], 1e-4, 1e-5, $"dx[{j}]");
        for (int c = 0; c < C; c++) { Close(edg[c], dg[c], 1e-4, 1e-4, "dgamma"); Close(edb[c], db[c], 1e-4, 1e-4, "dbeta"); }
    }

    private static IEnumerable<(int j, int c)> GroupElems(int b, int g, int O, int C, int I, int cg)
    {
        for (int o = 0; o < O; o++)
            for (int c = g * cg; c < (g + 1) * cg; c++)
                for (int i = 0; i < I; i++) yield return (Idx(b, o, c, i, O, C, I), c);
    }

    public static TheoryData<int, int, int, int, int> RowCases => new()
    {
        // B, O, K, I, mode (0 = layer norm, 1 = rms_scaling, 2 = rms)
        { 20, 1, 1, 37, 0 },
        { 640, 1, 1, 128, 0 },
        { 4, 5, 3, 1, 0 },     // normalized axis in the middle
        { 3, 4, 2, 6, 0 },     // normalized axes [1, 3]
        { 20, 1, 1, 37, 1 },
        { 20, 1, 1, 37, 2 },
        { 640, 1, 1, 128, 2 },
        { 1, 1, 1, 64, 0 },    // one row
        { 17, 1, 1, 64, 1 },   // rms_scaling
        { 30, 1, 1, 3, 0 },    // rows shorter than a vector
        { 5, 1, 1, 1030, 0 },  // rows longer than the forward's eight-row kernel takes
    };

    [Theory]
    [MemberData(nameof(RowCases))]
    public void RowForwardBackwardMatchNaive(int B, int O, int K, int I, int mode)
    {
        int n = B * O * K * I, L = O * I;
        var x = Rand(n, 7, 2f, 0.7f); var dy = Rand(n, 8);
        var gamma = Rand(L, 9, 1f, 1f); var beta = mode == 0 ? Rand(L, 10) : null;
        var mean = new double[B * K]; var v = new double[B * K];
        Moments.Compute(x, B, O, K, I, mean, v);
        double eps = mode == 2 ? 1e-6 : 1e-3;
        var stat = new double[B * K];
        for (int u = 0; u < B * K; u++)
        {
            stat[u] = mode == 2 ? v[u] + mean[u] * mean[u] : v[u];
            if (mode == 2) mean[u] = 0;
        }
        var invstd = stat.Select(q => (float)(1 / Math.Sqrt(q + eps))).ToArray();
        bool center = mode == 0;
        var y = new float[n];
        Normalize.RowForward(x, y, B, O, K, I, mean, invstd, gamma, beta, center);
        var dx = new float[n]; var dg = new float[L]; var db = new float[L];
        Normalize.RowBackward(x, dy, B, O, K, I, mean, invstd, gamma, center, dx, dg, db);

        var edg = new double[L]; var edb = new double[L];
        for (int b = 0; b < B; b++)
            for (int k = 0; k < K; k++)
            {
                double m = 0, q = 0;
                var idx = new List<(int j, int p)>();
                for (int o = 0; o < O; o++) for (int i = 0; i < I; i++) idx.Add((Idx(b, o, k, i, O, K, I), o * I + i));
                foreach (var (j, _) in idx) m += x[j];
                m /= L;
                foreach (var (j, _) in idx) q += mode == 2 ? (double)x[j] * x[j] : (x[j] - m) * (x[j] - m);
                q /= L;
                double s = 1 / Math.Sqrt(q + eps);
                double sg = 0, sgx = 0;
                foreach (var (j, p) in idx)
                {
                    double xh = center ? (x[j] - m) * s : x[j] * s;
                    Close(xh * gamma[p] + (beta?[p] ?? 0), y[j], 1e-5, 1e-5, "y");
                    edg[p] += dy[j] * xh; edb[p] += dy[j];
                    double g = dy[j] * gamma[p];
                    sg += g; sgx += g * (center ? x[j] - m : x[j]);
                }
                double mc = mode == 2 ? 0 : m;
                foreach (var (j, p) in idx)
                {
                    double g = dy[j] * gamma[p];
                    double e = s * g - (center ? s * sg / L : 0) - s * s * s / L * (x[j] - mc) * sgx;
                    Close(e, dx[j], 1e-4, 1e-5, $"dx[{j}]");
                }
            }
        for (int p = 0; p < L; p++) { Close(edg[p], dg[p], 1e-4, 1e-4, "dgamma"); Close(edb[p], db[p], 1e-4, 1e-4, "dbeta"); }
    }

    [Fact]
    public void ChannelForwardExactForLargeMean()
    {
        var r = new Random(11);
        int rows = 2000, C = 8;
        var x = new float[rows * C];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(1e6 + NextGaussian(r));
        var mean = new double[C]; var v = new double[C];
        Moments.Compute(x, 1, rows, C, 1, mean, v);
        var invstd = v.Select(q => (float)(1 / Math.Sqrt(q + 1e-3))).ToArray();
        var y = new float[x.Length];
        Normalize.ChannelForward(x, y, 1, rows, C, 1, C, mean, invstd, null, null);
        var (em, ev) = NaiveMoments(x, 1, rows, C, 1);
        for (int i = 0; i < x.Length; i++)
            Close((x[i] - em[i % C]) / Math.Sqrt(ev[i % C] + 1e-3), y[i], 0, 2e-5, "y");
    }

    [Theory]
    [InlineData(1, 40, 0)]
    [InlineData(3, 37, 2)]      // vectors straddle rows at every alignment
    [InlineData(8, 9, 1)]
    [InlineData(13, 11, 3)]
    [InlineData(64, 20, 5)]
    [InlineData(100, 3, 0)]
    [InlineData(7, 1, 0)]       // fewer values than one vector
    public void StreamingAffineRowsMatchScalarFormula(int C, int rows, int rowsBefore)
    {
        if (!StreamingStores.Supported) return; // the dispatch never calls it then
        int n = (rowsBefore + rows) * C;
        var x = Rand(n, 21); var mh = Rand(C, 22); var a = Rand(C, 23, 1f, 1f); var sh = Rand(C, 24);
        // Several allocations so that the output's 32-byte alignment varies between runs of the loop.
        for (int pad = 0; pad < 8; pad++)
        {
            var y = new float[n + pad];
            StreamingStores.AffineRows(ref x[0], ref y[0], (long)rowsBefore * C, rows, C, ref mh[0], ref a[0], ref sh[0]);
            for (int j = 0; j < rowsBefore * C; j++) Assert.Equal(0f, y[j]);
            for (int j = rowsBefore * C; j < n; j++)
            {
                int c = j % C;
                Assert.Equal(MathF.FusedMultiplyAdd(x[j] - mh[c], a[c], sh[c]), y[j]);
            }
            for (int j = n; j < n + pad; j++) Assert.Equal(0f, y[j]);
        }
    }

    [Theory]
    [InlineData(1, 1 << 16, 17, 17)]  // BN, channels-last, streamed output, odd channel count
    [InlineData(4, 1 << 14, 20, 5)]   // GN, streamed output
    public void ChannelForwardStreamsLargeOutputsCorrectly(int B, int O, int C, int G)
    {
        int n = B * O * C, cg = C / G;
        Assert.True(n >= StreamingStores.MinFloats);
        var x = Rand(n, 25, 2f, 1f); var gamma = Rand(C, 26, 1f, 1f); var beta = Rand(C, 27);
        const double eps = 1e-3;
        var mean = new double[B * G]; var v = new double[B * G];
        Moments.Compute(x, B, O, G, cg, mean, v);
        var invstd = v.Select(q => (float)(1 / Math.Sqrt(q + eps))).ToArray();
        var y = new float[n]; var fy = new float[n];
        Normalize.ChannelForward(x, y, B, O, C, 1, G, mean, invstd, gamma, beta);
        Normalize.ChannelForwardPerSample(x, fy, B, O, C, G, eps, gamma, beta, new double[B * G], new float[B * G]);
        for (int j = 0; j < n; j++)
        {
            int c = j % C, s = j / (O * C) * G + c / cg;
            double expected = gamma[c] * (x[j] - mean[s]) / Math.Sqrt(v[s] + eps) + beta[c];
            Close(expected, y[j], 1e-5, 1e-5, "y");
            Close(expected, fy[j], 1e-5, 1e-5, "fused y");
        }
    }

    [Theory]
    [InlineData(8, 8)]    // instance norm: statistics four channels at a time
    [InlineData(32, 4)]   // GN, groups of whole vectors: vector group sums
    [InlineData(8, 4)]    // GN, groups of two channels: scalar group sums
    public void PerSampleKeepsNaNToItsGroup(int C, int G)
    {
        // A NaN in one channel must make its group's statistics NaN and leave every other group exact.
        int B = 2, O = 10, n = B * O * C, cg = C / G, nanChannel = 5;
        var x = Rand(n, 31, 2f, 1f);
        x[(0 * O + 3) * C + nanChannel] = float.NaN;
        var gamma = Rand(C, 32, 1f, 1f); var beta = Rand(C, 33);
        var mean = new double[B * G]; var invstd = new float[B * G];
        Normalize.ChannelForwardPerSample(x, new float[n], B, O, C, G, 1e-3, gamma, beta, mean, invstd);
        var em = new double[B * G]; var ev = new double[B * G];
        Moments.Compute(x, B, O, G, cg, em, ev);
        for (int j = 0; j < B * G; j++)
        {
            if (j == nanChannel / cg) { Assert.True(double.IsNaN(mean[j]) && float.IsNaN(invstd[j]), "the NaN group"); continue; }
            Close(em[j], mean[j], 1e-9, 1e-6, $"mean[{j}]");
            Close(1 / Math.Sqrt(ev[j] + 1e-3), invstd[j], 1e-5, 0, $"invstd[{j}]");
        }
    }

    [Theory]
    [InlineData(3, 10, 8, 4, 0.0)]       // GN NHWC
    [InlineData(32, 40, 128, 4, 0.0)]    // GN, threaded
    [InlineData(5, 70, 6, 6, 0.0)]       // IN, rows beyond one block
    [InlineData(4, 300, 8, 2, 1e6)]      // large mean
    [InlineData(4, 300, 32, 2, 1e6)]     // large mean, groups of whole vectors (strip moments)
    [InlineData(3, 200, 64, 4, 0.0)]     // GN4 NHWC-like, several row blocks
    [InlineData(3, 20, 13, 13, 0.0)]     // IN, eight channels in vectors and five in the scalar loop
    [InlineData(4, 20, 128, 128, 1e6)]   // IN on a sequence, large mean
    [InlineData(2, 100, 16, 16, 1e6)]    // IN, large mean, rows beyond one block
    public void ChannelPerSampleMatchesUnfused(int B, int O, int C, int G, double offset)
    {
        int n = B * O * C;
        var x = Rand(n, 7, 2f, 1f); var dy = Rand(n, 8);
        for (int i = 0; i < n; i++) x[i] = (float)(x[i] + offset);
        var gamma = Rand(C, 9, 1f, 1f); var beta = Rand(C, 10);
        const double eps = 1e-3;
        var mean = new double[B * G]; var v = new double[B * G];
        Moments.Compute(x, B, O, G, C / G, mean, v);
        var invstd = v.Select(q => (float)(1 / Math.Sqrt(q + eps))).ToArray();
        var y = new float[n]; var dx = new float[n]; var dg = new float[C]; var db = new float[C];
        Normalize.ChannelForward(x, y, B, O, C, 1, G, mean, invstd, gamma, beta);
        Normalize.ChannelBackward(x, dy, B, O, C, 1, G, mean, invstd, gamma, true, dx, dg, db);

        var fm = new double[B * G]; var fs = new float[B * G];
        var fy = new float[n]; var fdx = new float[n]; var fdg = new float[C]; var fdb = new float[C];
        Normalize.ChannelForwardPerSample(x, fy, B, O, C, G, eps, gamma, beta, fm, fs);
        Normalize.ChannelBackwardPerSample(x, dy, B, O, C, G, fm, fs, gamma, fdx, fdg, fdb);
        for (int j = 0; j < B * G; j++) { Close(mean[j], fm[j], 1e-9, 1e-6, "mean"); Close(invstd[j], fs[j], 1e-5, 0, "invstd"); }
        for (int j = 0; j < n; j++) { Close(y[j], fy[j], 1e-5, 1e-5, "y"); Close(dx[j], fdx[j], 1e-4, 1e-5, "dx"); }
        for (int c = 0; c < C; c++) { Close(dg[c], fdg[c], 1e-4, 1e-4, "dgamma"); Close(db[c], fdb[c], 1e-4, 1e-4, "dbeta"); }
    }

    [Theory]
    [InlineData(20, 37, 0, 0.0)]
    [InlineData(640, 128, 0, 0.0)]
    [InlineData(25, 64, 0, 1e6)]
    [InlineData(3, 5000, 0, 0.0)]   // row longer than one moments block
    [InlineData(20, 37, 1, 0.0)]
    [InlineData(640, 128, 2, 0.0)]
    [InlineData(16384, 64, 0, 0.0)]  // output of 1M floats: tiles streamed out of L1
    [InlineData(5000, 211, 0, 0.0)]  // streamed, rows not a multiple of the vector width
    [InlineData(9, 8, 0, 1e6)]       // large mean in a last block of one row (padded copy)
    [InlineData(16385, 64, 2, 0.0)]  // streamed, root mean square, one row left after the eight-row blocks
    [InlineData(3, 1, 0, 0.0)]       // rows of one value: zero variance
    [InlineData(0, 64, 0, 0.0)]      // no rows (an empty batch)
    [InlineData(11, 1024, 1, 0.0)]   // the longest row of the eight-row kernel
    [InlineData(11, 1025, 0, 0.0)]   // the shortest row past it
    [InlineData(400, 3000, 0, 0.0)]  // long rows, streamed tile by tile
    [InlineData(4099, 257, 1, 0.0)]  // streamed, rows of an odd length: chunks end mid cache line
    public void RowWithMomentsMatchesUnfused(int rows, int L, int mode, double offset)
    {
        int n = rows * L;
        var x = Rand(n, 11, 2f, 1f);
        for (int i = 0; i < n; i++) x[i] = (float)(x[i] + offset);
        var gamma = Rand(L, 12, 1f, 1f); var beta = Rand(L, 13);
        const double eps = 1e-3;
        bool center = mode == 0, rms = mode == 2;
        var mean = new double[rows]; var v = new double[rows];
        Moments.Compute(x, rows, 1, 1, L, mean, v);
        if (rms) for (int u = 0; u < rows; u++) { v[u] += mean[u] * mean[u]; mean[u] = 0; }
        var invstd = v.Select(q => (float)(1 / Math.Sqrt(q + eps))).ToArray();
        var y = new float[n];
        Normalize.RowForward(x, y, rows, 1, 1, L, mean, invstd, gamma, center ? beta : null, center);
        var fm = new double[rows]; var fs = new float[rows]; var fy = new float[n];
        Normalize.RowForwardWithMoments(x, fy, rows, L, eps, gamma, center ? beta : null, center, rms, fm, fs);
        // Short rows take the shifted single pass in float32: the mean is exact to float precision relative to
        // the row's spread (Keras's own float32 mean only relative to the mean itself, 0.06 at 1e6).
        for (int u = 0; u < rows; u++)
        {
            Close(mean[u], fm[u], 1e-12, 1e-6 * Math.Sqrt(v[u]), "mean");
            Close(invstd[u], fs[u], 1e-6, 0, "invstd");
        }
        for (int j = 0; j < n; j++) Close(y[j], fy[j], 1e-5, 1e-5, "y");
    }

    [Theory]
    [InlineData(64)]
    [InlineData(1024)]
    public void ShortRowsStayExactWhenTheFirstValuesAreOutliers(int L)
    {
        // Short rows are shifted by the mean of their first eight values. Make those eight values
        // 1000 from the rest: the shifted sums would cancel (invstd off by 2e-5 for L = 1024), so
        // these rows must take the two-pass and be as exact as the others.
        int rows = 16, n = rows * L;
        var x = Rand(n, 51, 2f, 1f);
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < 8; i++) x[r * L + i] += 1000f;
        var mean = new double[rows]; var invstd = new float[rows];
        Normalize.RowForwardWithMoments(x, new float[n], rows, L, 1e-3, Rand(L, 52, 1f, 1f), Rand(L, 53), true, false, mean, invstd);
        for (int r = 0; r < rows; r++)
        {
            double m = 0, v = 0;
            for (int i = 0; i < L; i++) m += x[r * L + i];
            m /= L;
            for (int i = 0; i < L; i++) v += (x[r * L + i] - m) * (x[r * L + i] - m);
            v /= L;
            Close(m, mean[r], 1e-12, 1e-6 * Math.Sqrt(v), $"mean[{r}]");
            Close(1 / Math.Sqrt(v + 1e-3), invstd[r], 1e-6, 0, $"invstd[{r}]");
        }
    }

    [Theory]
    [InlineData(64)]   // eight rows per vector block, no tails
    [InlineData(37)]   // scalar tails
    public void RowWithMomentsKeepsNaNToItsRow(int L)
    {
        // Layer norm rows go eight at a time: a NaN in one row must make that row's statistics NaN
        // (not clamped to a zero variance) and leave the other seven exact.
        int rows = 16, n = rows * L;
        var x = Rand(n, 41, 2f, 1f);
        x[5 * L + 3] = float.NaN;
        var mean = new double[rows]; var invstd = new float[rows];
        Normalize.RowForwardWithMoments(x, new float[n], rows, L, 1e-3, Rand(L, 42, 1f, 1f), Rand(L, 43), true, false, mean, invstd);
        var em = new double[rows]; var ev = new double[rows];
        Moments.Compute(x, rows, 1, 1, L, em, ev);
        for (int r = 0; r < rows; r++)
        {
            if (r == 5) { Assert.True(double.IsNaN(mean[r]) && float.IsNaN(invstd[r]), "the NaN row"); continue; }
            Close(em[r], mean[r], 1e-12, 1e-6 * Math.Sqrt(ev[r]), $"mean[{r}]");
            Close(1 / Math.Sqrt(ev[r] + 1e-3), invstd[r], 1e-6, 0, $"invstd[{r}]");
        }
    }
}

using NormLab.Kernels;
using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.BeyondKeras;

/// <summary>
/// Switchable and Batch-Instance Normalization, whose fused kernels mix instance, layer and batch
/// statistics with hand-derived backwards, on random shapes, feature axes, mixing weights, training and
/// inference, against a direct double-precision transcription of their documented formulas. The
/// gradients of the reference are central differences in double (step 1e-6 relative), accurate to
/// about 1e-8, so every gradient the layer returns (x, gamma, beta, the mixing weights or gate) is
/// checked without a second hand derivation.
/// </summary>
public class MixedNormDifferentialTests
{
    private static readonly int[] Sizes = [1, 2, 3, 4, 5, 7, 8, 9, 13];

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var kind in new[] { "switchable", "batch_instance" })
            for (int seed = 0; seed < 40; seed++) data.Add(kind, seed);
        return data;
    }

    /// <summary>A (sample, channel, spatial) view of a random input: x[n, s, c] with the feature axis moved last.</summary>
    private sealed record View(int N, int C, int S, int[] Shape, int Axis)
    {
        /// <summary>The flat index of element (n, s, c) in the original layout.</summary>
        public int Index(int n, int s, int c)
        {
            // s enumerates the non-batch, non-feature positions in row-major order.
            var p = new int[Shape.Length];
            p[0] = n; p[Axis] = c;
            for (int d = Shape.Length - 1; d >= 1; d--)
            {
                if (d == Axis) continue;
                p[d] = s % Shape[d]; s /= Shape[d];
            }
            int k = 0;
            for (int d = 0; d < Shape.Length; d++) k = k * Shape[d] + p[d];
            return k;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LayerMatchesDirectFormulas(string kind, int seed)
    {
        var rng = new Random(7919 * kind.Length + seed);
        bool switchable = kind == "switchable";
        int rank = rng.Next(switchable ? 2 : 3, 6);
        var shape = new int[rank];
        shape[0] = rng.Next(1, 4);
        for (int d = 1; d < rank; d++) shape[d] = Sizes[rng.Next(Sizes.Length)];
        while (shape.Aggregate(1, (a, b) => a * b) > 300) { int big = Array.IndexOf(shape, shape.Max()); shape[big] = Math.Max(1, shape[big] / 2); }
        int axis = rng.Next(1, rank);
        int S = shape.Aggregate(1, (a, b) => a * b) / (shape[0] * shape[axis]);
        // BIN needs more than one value per (sample, channel); training needs more than one per channel.
        if (!switchable && S < 2) { shape[axis == 1 ? 2 : 1] *= 2; S *= 2; }
        if (shape[0] * S < 2) shape[0] = 2;
        var view = new View(shape[0], shape[axis], S, shape, axis);
        bool training = rng.Next(3) != 0, useBatch = !switchable || rng.Next(3) != 0;
        double eps = new[] { 1e-3, 1e-5, 0.1 }[rng.Next(3)], offset = new[] { 0.0, 2.0, -30.0 }[rng.Next(3)];
        int threads = rng.Next(1, 3);
        int argAxis = rng.Next(2) == 0 ? axis : axis - rank;

        Layer layer = switchable
            ? new SwitchableNormalization(axis: argAxis, epsilon: eps, useBatchStatistics: useBatch)
            : new BatchInstanceNormalization(axis: argAxis, epsilon: eps);
        layer.Build(shape);
        // Random weights: gamma, beta around 1 and 0, mixing logits or gate anywhere in range, moving statistics.
        foreach (var w in layer.Weights)
            for (int i = 0; i < w.Size; i++)
                w.Data[i] = Short(w) switch
                {
                    "gamma" => (float)(0.5 + rng.NextDouble()),
                    "rho" => (float)rng.NextDouble(),
                    "moving_variance" => (float)(0.2 + rng.NextDouble()),
                    "moving_mean" => (float)(offset + rng.NextDouble() - 0.5),
                    _ => (float)(rng.NextDouble() * 2 - 1),
                };
        var weights = layer.Weights.ToDictionary(Short, w => w.ToArray().Select(v => (double)v).ToArray());

        int size = shape.Aggregate(1, (a, b) => a * b);
        var xs = Enumerable.Range(0, size).Select(_ => (float)(offset + rng.NextDouble() * 2 - 1)).ToArray();
        var dys = Enumerable.Range(0, size).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var x = Tensor.FromArray(xs, shape);
        x.RequiresGrad = true;

        int old = KernelThreads.Max;
        KernelThreads.Max = threads;
        try
        {
            var y = layer.Call(x, training: training);
            y.Backward(Tensor.FromArray(dys, shape));
            string at = $"{kind} case {seed}: shape ({string.Join(", ", shape)}), axis {argAxis}, training {training}, " +
                $"batch statistics {useBatch}, epsilon {eps}, offset {offset}, {threads} thread(s)";

            Func<double[], Dictionary<string, double[]>, (double[] Y, double[] BatchMean, double[] BatchVariance)> forward =
                switchable ? (xd, w) => Switchable(xd, w, view, training && useBatch, useBatch, eps)
                           : (xd, w) => BatchInstance(xd, w, view, training, eps);
            var xd = xs.Select(v => (double)v).ToArray();
            var expected = forward(xd, weights);
            ScaledClose.AllClose(expected.Y, y.ToArray(), 5e-5, at + ", y");

            double Loss(double[] xv, Dictionary<string, double[]> w) => forward(xv, w).Y.Select((v, i) => v * dys[i]).Sum();
            ScaledClose.AllClose(DoubleDifferences.Gradient(xd, v => Loss(v, weights)), x.Grad!.ToArray(), 1e-4, at + ", dx");
            foreach (var w in layer.TrainableWeights)
            {
                var grad = DoubleDifferences.Gradient(weights[Short(w)], v => Loss(xd, new Dictionary<string, double[]>(weights) { [Short(w)] = v }));
                ScaledClose.AllClose(grad, w.Grad!.ToArray(), 1e-4, $"{at}, d{Short(w)}");
            }
            if (training && useBatch)
            {
                // moving = moving * 0.99 + batch * 0.01; BIN stores the unbiased batch variance.
                double unbias = switchable ? 1 : view.N * view.S / (view.N * view.S - 1.0);
                var layerWeights = layer.Weights.ToDictionary(Short);
                ScaledClose.AllClose(weights["moving_mean"].Select((m, c) => m * 0.99 + expected.BatchMean[c] * 0.01).ToArray(),
                    layerWeights["moving_mean"].ToArray(), 1e-5, at + ", moving mean");
                ScaledClose.AllClose(weights["moving_variance"].Select((v, c) => v * 0.99 + expected.BatchVariance[c] * unbias * 0.01).ToArray(),
                    layerWeights["moving_variance"].ToArray(), 1e-5, at + ", moving variance");
            }
        }
        finally { KernelThreads.Max = old; }
    }

    /// <summary>A weight's own name ("gamma"), without the layer's prefix.</summary>
    private static string Short(Tensor w) => w.Name![(w.Name!.LastIndexOf('/') + 1)..];

    /// <summary>Instance mean and variance per (n, c) over the spatial positions; the variance biased, or
    /// unbiased when <paramref name="unbiased"/> and there is more than one position.</summary>
    private static (double[,] Mean, double[,] Variance) Instance(double[] x, View v, bool unbiased)
    {
        var mean = new double[v.N, v.C]; var variance = new double[v.N, v.C];
        for (int n = 0; n < v.N; n++)
            for (int c = 0; c < v.C; c++)
            {
                double m = 0, q = 0;
                for (int s = 0; s < v.S; s++) m += x[v.Index(n, s, c)];
                m /= v.S;
                for (int s = 0; s < v.S; s++) q += (x[v.Index(n, s, c)] - m) * (x[v.Index(n, s, c)] - m);
                mean[n, c] = m;
                variance[n, c] = q / (unbiased && v.S > 1 ? v.S - 1 : v.S);
            }
        return (mean, variance);
    }

    /// <summary>Per channel: the mean of the instance means and the pooled variance mean_n(vi) + mean_n((mi - mb)²).</summary>
    private static (double[] Mean, double[] Variance) OverSamples(double[,] mi, double[,] vi, View v)
    {
        var mb = new double[v.C]; var vb = new double[v.C];
        for (int c = 0; c < v.C; c++)
        {
            for (int n = 0; n < v.N; n++) mb[c] += mi[n, c] / v.N;
            for (int n = 0; n < v.N; n++) vb[c] += (vi[n, c] + (mi[n, c] - mb[c]) * (mi[n, c] - mb[c])) / v.N;
        }
        return (mb, vb);
    }

    private static double[] Softmax(double[] z)
    {
        var e = z.Select(v => Math.Exp(v - z.Max())).ToArray();
        return e.Select(v => v / e.Sum()).ToArray();
    }

    /// <summary>SwitchableNormalization's documented forward: [IN, LN, BN] means and variances mixed by softmax weights.</summary>
    private static (double[], double[], double[]) Switchable(double[] x, Dictionary<string, double[]> w, View v, bool batch, bool useBatch, double eps)
    {
        var (mi, vi) = Instance(x, v, unbiased: true);
        var (mb, vb) = batch ? OverSamples(mi, vi, v) : useBatch ? (w["moving_mean"], w["moving_variance"]) : (new double[v.C], new double[v.C]);
        var wm = Softmax(w["mean_weights"]); var wv = Softmax(w["variance_weights"]);
        var y = new double[x.Length];
        for (int n = 0; n < v.N; n++)
        {
            double ml = 0, vl = 0;
            for (int c = 0; c < v.C; c++) ml += mi[n, c] / v.C;
            for (int c = 0; c < v.C; c++) vl += (vi[n, c] + (mi[n, c] - ml) * (mi[n, c] - ml)) / v.C;
            for (int c = 0; c < v.C; c++)
            {
                double mu = wm[0] * mi[n, c] + wm[1] * ml + (useBatch ? wm[2] * mb[c] : 0);
                double var = wv[0] * vi[n, c] + wv[1] * vl + (useBatch ? wv[2] * vb[c] : 0);
                for (int s = 0; s < v.S; s++)
                {
                    int i = v.Index(n, s, c);
                    y[i] = (x[i] - mu) / Math.Sqrt(var + eps) * w["gamma"][c] + w["beta"][c];
                }
            }
        }
        return (y, mb, vb);
    }

    /// <summary>BatchInstanceNormalization's documented forward: (rho x_bn + (1 - rho) x_in) gamma + beta, biased variances.</summary>
    private static (double[], double[], double[]) BatchInstance(double[] x, Dictionary<string, double[]> w, View v, bool training, double eps)
    {
        var (mi, vi) = Instance(x, v, unbiased: false);
        var (mb, vb) = training ? OverSamples(mi, vi, v) : (w["moving_mean"], w["moving_variance"]);
        var y = new double[x.Length];
        for (int n = 0; n < v.N; n++)
            for (int c = 0; c < v.C; c++)
                for (int s = 0; s < v.S; s++)
                {
                    int i = v.Index(n, s, c);
                    double bn = (x[i] - mb[c]) / Math.Sqrt(vb[c] + eps), inst = (x[i] - mi[n, c]) / Math.Sqrt(vi[n, c] + eps);
                    double rho = w["rho"][c];
                    y[i] = (rho * bn + (1 - rho) * inst) * w["gamma"][c] + w["beta"][c];
                }
        return (y, mb, vb);
    }
}

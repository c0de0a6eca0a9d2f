using NormLab.Kernels;
using NormLab.Layers;
using Xunit;
using NormalizationLayer = NormLab.Layers.Normalization;

namespace NormLab.Tests.Normalization;

/// <summary>
/// The normalization layers on random shapes, axes, groups, offsets and thread counts, forward and
/// backward, against one naive double-precision reference. The fixtures and kernel tests pin chosen
/// cases; these reach the combinations nobody listed (a rank-5 input normalized over axis 2, 13
/// channels in groups of one, a row of 3 values, one sample on two threads), where a fused kernel's
/// special paths (vector tails, padded blocks, per-sample loops, shifted moments) meet.
/// </summary>
/// <remarks>
/// Every layer here is one "grouped normalization": each element belongs to a statistics group (a
/// channel for BN, a ghost batch's channel for ghost BN, a sample's row for LN, a sample's channel
/// group for GN, a sample's channel for IN and FRN) and uses the parameter of its position. The reference computes, per group, mean and biased variance in double, then
/// <c>y = (x - mean) / sqrt(var + eps) * gamma + beta</c> and the analytic gradients
/// <c>dx = invstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))</c>, <c>dxhat = dy * gamma</c>.
/// The root-mean-square forms drop the mean where the layer does.
/// </remarks>
public class RandomShapeDifferentialTests
{
    private static readonly int[] Sizes = [1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 16, 17, 20, 33, 64];

    /// <summary>How the reference treats the mean: subtracted (BN, LN, GN), absent (RMSNormalization),
    /// used in the variance only (LayerNormalization's deprecated rmsScaling), or absent with the sum of
    /// squares for the variance and a floor for epsilon (UnitNormalization: x * rsqrt(max(sum x², 1e-24))).</summary>
    private enum MeanUse { Subtract, None, VarianceOnly, UnitNorm }

    /// <summary>One random case: the layer, its input, and the reference's grouping of the elements.</summary>
    private sealed record Case(string Description, Layer Layer, int[] Shape, Func<int[], int> Group, Func<int[], int> Param,
        MeanUse Mean, double Epsilon, int Threads, double Offset, double Spread);

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var kind in new[] { "bn", "bn_inference", "ghost", "ln", "gn", "instance", "rms", "ln_rms_scaling", "unit", "adapt", "frn" })
            for (int seed = 0; seed < 40; seed++) data.Add(kind, seed);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LayerMatchesNaiveReference(string kind, int seed)
    {
        var rng = new Random(1000 * kind.Length + seed);
        var c = MakeCase(kind, rng);
        int n = c.Shape.Aggregate(1, (a, b) => a * b);
        var xs = new float[n];
        for (int i = 0; i < n; i++) xs[i] = (float)(c.Offset + c.Spread * (rng.NextDouble() * 2 - 1));
        var dys = new float[n];
        for (int i = 0; i < n; i++) dys[i] = (float)(rng.NextDouble() * 2 - 1);
        var x = Tensor.FromArray(xs, c.Shape);
        c.Layer.Build(c.Shape);
        foreach (var w in c.Layer.TrainableWeights)
            for (int i = 0; i < w.Size; i++) w.Data[i] = (float)(0.5 + rng.NextDouble()) * (rng.Next(2) == 0 ? 1 : -1);
        var (gamma, beta, tau) = Parameters(c.Layer);
        var (moving, movingVar) = MovingStatistics(c.Layer);
        if (kind == "bn_inference")
            for (int i = 0; i < moving!.Size; i++)
            {
                moving.Data[i] = (float)(c.Offset + c.Spread * (rng.NextDouble() - 0.5));
                movingVar!.Data[i] = (float)(c.Spread * c.Spread * (0.1 + rng.NextDouble()));
            }
        if (c.Layer is NormalizationLayer adapted) adapted.Adapt(x);
        var movingMean = moving?.ToArray(); var movingVariance = movingVar?.ToArray();
        bool training = kind != "bn_inference";

        int old = KernelThreads.Max;
        KernelThreads.Max = c.Threads;
        try
        {
            x.RequiresGrad = true;
            var y = c.Layer.Call(x, training: training);
            y.Backward(Tensor.FromArray(dys, c.Shape));
            // FRN's TLU, y = max(z, tau): the gradient reaches z where z > tau and tau elsewhere.
            var z = tau == null ? null : Reference(xs, dys, c, gamma?.ToArray(), beta?.ToArray()).Y;
            var passed = z == null ? dys : dys.Select((d, i) => z[i] > tau!.Data[c.Param(Coordinates(i, c.Shape))] ? d : 0f).ToArray();
            var r = kind switch
            {
                "bn_inference" => FixedReference(xs, dys, c, gamma?.ToArray(), beta?.ToArray(), movingMean!.Select(m => (double)m).ToArray(),
                    movingVariance!.Select(v => 1 / Math.Sqrt(v + c.Epsilon)).ToArray()),
                // Normalization adapted on x itself: its statistics are the groups', but constants to the gradient.
                "adapt" => AdaptReference(xs, dys, c),
                _ => Reference(xs, passed, c, gamma?.ToArray(), beta?.ToArray()),
            };

            string at = $"{kind} case {seed}: {c.Description}";
            var expectY = z == null ? r.Y : z.Select((v, i) => Math.Max(v, tau!.Data[c.Param(Coordinates(i, c.Shape))])).ToArray();
            ScaledClose.AllClose(expectY, y.ToArray(), 5e-5, at + ", y");
            ScaledClose.AllClose(r.Dx, x.Grad!.ToArray(), 2e-4, at + ", dx");
            if (gamma != null) ScaledClose.AllClose(r.DGamma, gamma.Grad!.ToArray(), 2e-4, at + ", dgamma");
            if (beta != null) ScaledClose.AllClose(r.DBeta, beta.Grad!.ToArray(), 2e-4, at + ", dbeta");
            if (tau != null)
            {
                var dtau = new double[tau.Size];
                for (int i = 0; i < xs.Length; i++) dtau[c.Param(Coordinates(i, c.Shape))] += dys[i] - passed[i];
                ScaledClose.AllClose(dtau, tau.Grad!.ToArray(), 2e-4, at + ", dtau");
            }
            if (moving != null && training)
            {
                // Keras: moving = moving * momentum + batch * (1 - momentum), with the batch statistics (the biased
                // variance) averaged over the ghost batches where there are several.
                var (batchMean, batchVariance) = PerChannelAverages(r, c, moving.Size);
                ScaledClose.AllClose(movingMean!.Select((m, j) => m * 0.99 + batchMean[j] * 0.01).ToArray(), moving.ToArray(), 1e-5, at + ", moving mean");
                ScaledClose.AllClose(movingVariance!.Select((v, j) => v * 0.99 + batchVariance[j] * 0.01).ToArray(), movingVar!.ToArray(), 1e-5, at + ", moving variance");
            }
        }
        finally { KernelThreads.Max = old; }
    }

    private static Case MakeCase(string kind, Random rng)
    {
        int rank = rng.Next(kind == "instance" ? 3 : 2, 6);
        var shape = new int[rank];
        shape[0] = rng.Next(1, 5);
        for (int d = 1; d < rank; d++) shape[d] = Sizes[rng.Next(Sizes.Length)];
        // Keep inputs small (a few thousand values), shrinking the largest axis.
        while (shape.Aggregate(1, (a, b) => a * b) > 6000)
        {
            int big = Array.IndexOf(shape, shape.Max());
            shape[big] = Math.Max(1, shape[big] / 3);
        }
        double eps = new[] { 1e-3, 1e-5, 0.1 }[rng.Next(3)];
        int threads = rng.Next(1, 3);
        double offset = new[] { 0.0, 0.0, 3.0, -50.0, 1000.0, 1e6 }[rng.Next(6)];
        double spread = new[] { 1.0, 1.0, 0.05, 20.0 }[rng.Next(4)];
        bool center = rng.Next(4) != 0, scale = rng.Next(4) != 0;
        int axis = rng.Next(1, rank);
        int NegOrPos(int a) => rng.Next(2) == 0 ? a : a - rank;
        string Common() => $"shape ({string.Join(", ", shape)}), epsilon {eps}, {threads} thread(s), x = {offset} + {spread} * U(-1, 1)";

        switch (kind)
        {
            case "bn":
            case "bn_inference":
            {
                // Training needs at least two values per channel (a single one raises, tested elsewhere).
                if (kind == "bn" && shape.Aggregate(1, (a, b) => a * b) / shape[axis] < 2) shape[0] = 2;
                var layer = new BatchNormalization(axis: NegOrPos(axis), epsilon: eps, center: center, scale: scale);
                return new Case($"BatchNormalization(axis {layer.Axis}, center {center}, scale {scale}), {Common()}", layer, shape,
                    p => p[axis], p => p[axis], MeanUse.Subtract, eps, threads, offset, spread);
            }
            case "ghost":
            {
                int v = rng.Next(1, 4);
                shape[0] = v * rng.Next(1, 4);
                // Each ghost batch needs two values per channel (one raises, tested elsewhere).
                if (v * shape.Aggregate(1, (a, b) => a * b) / (shape[0] * shape[axis]) < 2) { v = 2; shape[0] = 4; }
                int C = shape[axis];
                var layer = new GhostBatchNormalization(virtualBatchSize: v, axis: NegOrPos(axis), epsilon: eps, center: center, scale: scale);
                return new Case($"GhostBatchNormalization(virtualBatchSize {v}, axis {layer.Axis}, center {center}, scale {scale}), {Common()}", layer, shape,
                    p => p[0] / v * C + p[axis], p => p[axis], MeanUse.Subtract, eps, threads, offset, spread);
            }
            case "frn":
            {
                // Channels last, rank 2 to 4; the TLU on or off.
                Array.Resize(ref shape, Math.Min(rank, 4));
                int last = shape.Length - 1, C = shape[last];
                bool tlu = rng.Next(2) == 0;
                var layer = new FilterResponseNormalization(epsilon: eps, useTlu: tlu);
                return new Case($"FilterResponseNormalization(useTlu {tlu}), {Common()}", layer, shape,
                    p => p[0] * C + p[last], p => p[last], MeanUse.None, eps, threads, offset, spread);
            }
            case "ln":
            case "rms":
            case "ln_rms_scaling":
            case "unit":
            {
                var axes = Enumerable.Range(1, rank - 1).Where(_ => rng.Next(2) == 0).ToArray();
                if (axes.Length == 0) axes = [axis];
                Axes given = axes.Length == 1 && rng.Next(2) == 0 ? NegOrPos(axes[0]) : axes.Select(NegOrPos).ToArray();
                Layer layer = kind switch
                {
                    "rms" => new RMSNormalization(axis: given, epsilon: eps),
                    "unit" => new UnitNormalization(axis: given),
                    "ln_rms_scaling" => new LayerNormalization(axis: given, epsilon: eps, rmsScaling: true),
                    _ => new LayerNormalization(axis: given, epsilon: eps, center: center, scale: scale),
                };
                var kept = Enumerable.Range(0, rank).Except(axes).ToArray();
                var mean = kind switch { "rms" => MeanUse.None, "ln_rms_scaling" => MeanUse.VarianceOnly, "unit" => MeanUse.UnitNorm, _ => MeanUse.Subtract };
                return new Case($"{layer.GetType().Name}(axes [{string.Join(", ", axes)}]{(kind == "ln" ? $", center {center}, scale {scale}" : "")}), {Common()}",
                    layer, shape, p => Linear(p, shape, kept), p => kind == "unit" ? 0 : Linear(p, shape, axes), mean, eps, threads, offset, spread);
            }
            case "adapt":
            {
                // axis lists the kept axes (one mean and variance per index along them); none keeps none.
                var kept = Enumerable.Range(1, rank - 1).Where(_ => rng.Next(2) == 0).ToArray();
                Axes given = kept.Length == 0 ? Axes.None : kept.Length == 1 && rng.Next(2) == 0 ? NegOrPos(kept[0]) : kept.Select(NegOrPos).ToArray();
                return new Case($"Normalization(kept axes [{string.Join(", ", kept)}]) adapted on x, {Common()}", new NormalizationLayer(axis: given), shape,
                    p => Linear(p, shape, kept), p => Linear(p, shape, kept), MeanUse.Subtract, 0, threads, offset, spread);
            }
            case "gn":
            {
                int C = shape[axis];
                var divisors = Enumerable.Range(1, C).Where(g => C % g == 0).ToArray();
                int groups = rng.Next(4) == 0 ? -1 : divisors[rng.Next(divisors.Length)];
                int G = groups == -1 ? C : groups, cg = C / G;
                var layer = new GroupNormalization(groups: groups, axis: NegOrPos(axis), epsilon: eps, center: center, scale: scale);
                return new Case($"GroupNormalization(groups {groups}, axis {layer.Axis}, center {center}, scale {scale}), {Common()}", layer, shape,
                    p => p[0] * G + p[axis] / cg, p => p[axis], MeanUse.Subtract, eps, threads, offset, spread);
            }
            default: // instance
            {
                // More than one value per (sample, channel), as InstanceNormalization requires (tested elsewhere).
                if (shape.Aggregate(1, (a, b) => a * b) / (shape[0] * shape[axis]) < 2) shape[axis == 1 ? 2 : 1] = 2;
                var layer = new InstanceNormalization(axis: NegOrPos(axis), epsilon: eps, center: center, scale: scale);
                int C = shape[axis];
                return new Case($"InstanceNormalization(axis {layer.Axis}, center {center}, scale {scale}), {Common()}", layer, shape,
                    p => p[0] * C + p[axis], p => p[axis], MeanUse.Subtract, eps, threads, offset, spread);
            }
        }
    }

    /// <summary>The layer's scale, shift and TLU threshold weights (null where absent).</summary>
    private static (Tensor? Gamma, Tensor? Beta, Tensor? Tau) Parameters(Layer layer) => layer switch
    {
        BatchNormalization b => (b.Gamma, b.Beta, null),
        GhostBatchNormalization b => (b.Gamma, b.Beta, null),
        LayerNormalization l => (l.Gamma, l.Beta, null),
        GroupNormalization g => (g.Gamma, g.Beta, null),
        InstanceNormalization i => (i.Gamma, i.Beta, null),
        FilterResponseNormalization f => (f.Gamma, f.Beta, f.Tau),
        RMSNormalization r => (r.Scale, null, null),
        UnitNormalization or NormalizationLayer => (null, null, null),
        _ => throw new ArgumentException(layer.GetType().Name),
    };

    /// <summary>The moving mean and variance of the layers that keep them.</summary>
    private static (Tensor? Mean, Tensor? Variance) MovingStatistics(Layer layer) => layer switch
    {
        BatchNormalization b => (b.MovingMean, b.MovingVariance),
        GhostBatchNormalization b => (b.MovingMean, b.MovingVariance),
        _ => (null, null),
    };

    /// <summary>Per channel (parameter index): the average of its groups' means and variances.</summary>
    private static (double[] Mean, double[] Variance) PerChannelAverages(Expected r, Case c, int channels)
    {
        var mean = new double[channels]; var variance = new double[channels]; var groups = new int[channels];
        var seen = new HashSet<int>();
        for (int i = 0; i < r.Y.Length; i++)
        {
            var p = Coordinates(i, c.Shape);
            int g = c.Group(p), k = c.Param(p);
            if (!seen.Add(g)) continue;
            mean[k] += r.Mean[g]; variance[k] += r.Variance[g]; groups[k]++;
        }
        for (int k = 0; k < channels; k++) { mean[k] /= groups[k]; variance[k] /= groups[k]; }
        return (mean, variance);
    }

    /// <summary>Row-major index of the coordinates <paramref name="p"/> restricted to <paramref name="axes"/>.</summary>
    private static int Linear(int[] p, int[] shape, int[] axes)
    {
        int k = 0;
        foreach (int a in axes) k = k * shape[a] + p[a];
        return k;
    }

    private static int[] Coordinates(int index, int[] shape)
    {
        var p = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--) { p[d] = index % shape[d]; index /= shape[d]; }
        return p;
    }

    private sealed record Expected(double[] Y, double[] Dx, double[] DGamma, double[] DBeta, double[] Mean, double[] Variance);

    /// <summary>Training: batch statistics per group, and their gradients.</summary>
    private static Expected Reference(float[] x, float[] dy, Case c, float[]? gamma, float[]? beta)
    {
        int n = x.Length;
        var group = new int[n]; var param = new int[n];
        for (int i = 0; i < n; i++) { var p = Coordinates(i, c.Shape); group[i] = c.Group(p); param[i] = c.Param(p); }
        int groups = group.Max() + 1, parameters = param.Max() + 1;
        var count = new double[groups]; var mean = new double[groups]; var variance = new double[groups];
        for (int i = 0; i < n; i++) { count[group[i]]++; mean[group[i]] += x[i]; }
        for (int g = 0; g < groups; g++) mean[g] /= count[g];
        for (int i = 0; i < n; i++)
        {
            double d = c.Mean is MeanUse.None or MeanUse.UnitNorm ? x[i] : x[i] - mean[group[i]];
            variance[group[i]] += d * d;
        }
        // The unit norm's "variance" is the sum of squares: dividing by one keeps the formulas below.
        var divisor = c.Mean == MeanUse.UnitNorm ? count.Select(_ => 1.0).ToArray() : count;
        for (int g = 0; g < groups; g++) variance[g] /= divisor[g];

        // xhat: what gamma multiplies; the mean it subtracts (none for the root-mean-square forms).
        var invstd = variance.Select(v => c.Mean == MeanUse.UnitNorm ? 1 / Math.Sqrt(Math.Max(v, 1e-24)) : 1 / Math.Sqrt(v + c.Epsilon)).ToArray();
        var xhat = new double[n]; var dxhat = new double[n];
        var y = new double[n]; var dg = new double[parameters]; var db = new double[parameters];
        // Per group: sum dxhat, sum dxhat * x, sum dxhat * xhat.
        var s1 = new double[groups]; var s2 = new double[groups]; var s3 = new double[groups];
        for (int i = 0; i < n; i++)
        {
            int g = group[i], k = param[i];
            xhat[i] = (c.Mean == MeanUse.Subtract ? x[i] - mean[g] : x[i]) * invstd[g];
            y[i] = xhat[i] * (gamma?[k] ?? 1) + (beta?[k] ?? 0);
            dxhat[i] = dy[i] * (gamma?[k] ?? 1);
            dg[k] += dy[i] * xhat[i]; db[k] += dy[i];
            s1[g] += dxhat[i]; s2[g] += dxhat[i] * x[i]; s3[g] += dxhat[i] * xhat[i];
        }
        var dx = new double[n];
        for (int i = 0; i < n; i++)
        {
            int g = group[i];
            // Without the subtracted mean, y = x * invstd * gamma and invstd depends on x through the
            // variance (centred for rmsScaling, the mean square for RMS): d invstd / dx_i = -invstd³ (x_i - m) / N.
            double centred = c.Mean is MeanUse.None or MeanUse.UnitNorm ? x[i] : x[i] - mean[g];
            dx[i] = c.Mean == MeanUse.Subtract
                ? invstd[g] * (dxhat[i] - s1[g] / count[g] - xhat[i] * s3[g] / count[g])
                : invstd[g] * dxhat[i] - invstd[g] * invstd[g] * invstd[g] * centred * s2[g] / divisor[g];
        }
        return new Expected(y, dx, dg, db, mean, variance);
    }

    /// <summary>Statistics that are constants to the gradient, indexed like the parameters: y = (x - mean[k]) * inv[k] * gamma + beta.</summary>
    private static Expected FixedReference(float[] x, float[] dy, Case c, float[]? gamma, float[]? beta, double[] mean, double[] inv)
    {
        int n = x.Length, parameters = mean.Length;
        var y = new double[n]; var dx = new double[n]; var dg = new double[parameters]; var db = new double[parameters];
        for (int i = 0; i < n; i++)
        {
            int k = c.Param(Coordinates(i, c.Shape));
            double xhat = (x[i] - mean[k]) * inv[k];
            y[i] = xhat * (gamma?[k] ?? 1) + (beta?[k] ?? 0);
            dx[i] = dy[i] * (gamma?[k] ?? 1) * inv[k];
            dg[k] += dy[i] * xhat; db[k] += dy[i];
        }
        return new Expected(y, dx, dg, db, mean, []);
    }

    /// <summary>Keras's Normalization after Adapt(x): the groups' mean and biased variance, kept as float32
    /// weights (so a mean of 1e6 is rounded to 1/16 before it is subtracted), the standard deviation
    /// floored at 1e-7 (no epsilon).</summary>
    private static Expected AdaptReference(float[] x, float[] dy, Case c)
    {
        var stats = Reference(x, dy, c, null, null);
        return FixedReference(x, dy, c, null, null, stats.Mean.Select(m => (double)(float)m).ToArray(),
            stats.Variance.Select(v => 1 / Math.Max(Math.Sqrt((float)v), 1e-7)).ToArray());
    }
}

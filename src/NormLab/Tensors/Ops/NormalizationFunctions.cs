using NormLab.Autograd;
using NormLab.Kernels;

namespace NormLab;

/// <summary>How a row normalization uses its statistics (LayerNormalization, its rms_scaling, RMSNormalization).</summary>
internal enum RowNormMode
{
    /// <summary>(x - mean) / sqrt(variance + epsilon) * gamma + beta.</summary>
    Center,
    /// <summary>x / sqrt(variance + epsilon) * gamma (Keras's rms_scaling).</summary>
    VarianceScaling,
    /// <summary>x / sqrt(mean(x²) + epsilon) * gamma.</summary>
    RootMeanSquare,
}

public static partial class Ops
{
    /// <summary>
    /// The mean and biased variance of <paramref name="x"/> over <paramref name="axes"/> (keras.ops.moments),
    /// on the normalization layers' moments kernel (shifted sums, merged in double). Differentiable.
    /// </summary>
    /// <param name="x">The input.</param>
    /// <param name="axes">The axes reduced; negative ones count from the end.</param>
    /// <param name="keepDims">Keep the reduced axes with size 1 (default false).</param>
    /// <returns>The mean and the variance, of the same shape.</returns>
    /// <exception cref="ArgumentException">When an axis is out of range or repeated, or a reduced axis is empty.</exception>
    /// <example><code>var (mean, variance) = Ops.Moments(x, [0, 1, 2]); // per channel of an NHWC batch</code></example>
    public static (Tensor Mean, Tensor Variance) Moments(Tensor x, int[] axes, bool keepDims = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(axes);
        var reduced = CanonicalAxes("Ops.Moments", axes, x.Dims);
        int[] kept = Enumerable.Range(0, x.Rank).Where(d => Array.IndexOf(reduced, d) < 0).ToArray();
        int[] shape = keepDims ? x.Dims.ToArray().Select((n, d) => Array.IndexOf(reduced, d) >= 0 ? 1 : n).ToArray() : kept.Select(d => x.Dims[d]).ToArray();
        var view = RowView(x.Dims, reduced);
        if (view == null)
        {
            // Axes alternate too often for one strided view: reduce the transposed copy with the axes last.
            var (mean, variance) = Moments(Transpose(x, [.. kept, .. reduced]), Enumerable.Range(kept.Length, reduced.Length).ToArray());
            return (Reshape(mean, shape), Reshape(variance, shape));
        }
        var (B, O, K, I) = view.Value;
        var m = new double[B * K]; var v = new double[B * K];
        Kernels.Moments.Compute(x.Data, B, O, K, I, m, v);
        double n = (double)O * I;
        var meanOut = Tape.Record(Tensor.FromArray(Array.ConvertAll(m, d => (float)d), shape), [x],
            dy => [ReductionGradient(x, B, O, K, I, (u, _) => dy.Data[u] / n)]);
        var varianceOut = Tape.Record(Tensor.FromArray(Array.ConvertAll(v, d => (float)d), shape), [x],
            dy => [ReductionGradient(x, B, O, K, I, (u, idx) => 2 * (x.Data[idx] - m[u]) / n * dy.Data[u])]);
        return (meanOut, varianceOut);
    }

    /// <summary>dx of a per-(b, k) statistic over the [B, O, K, I] view: element idx of group u gets gradient(u, idx).</summary>
    private static Tensor ReductionGradient(Tensor x, int B, int O, int K, int I, Func<int, long, double> gradient)
    {
        var dx = new float[(long)B * O * K * I];
        for (int b = 0; b < B; b++)
            for (int o = 0; o < O; o++)
                for (int k = 0; k < K; k++)
                {
                    long row = (((long)b * O + o) * K + k) * I;
                    for (int i = 0; i < I; i++) dx[row + i] = (float)gradient(b * K + k, row + i);
                }
        return new Tensor(dx, x.Shape);
    }

    /// <summary>
    /// Normalizes <paramref name="x"/> with given statistics along <paramref name="axis"/> (keras.ops.batch_normalization):
    /// <c>(x - mean) / sqrt(variance + epsilon) * scale + offset</c>. Differentiable in every tensor argument;
    /// when mean and variance carry no gradient (moving statistics) it runs on the batch-norm kernel.
    /// </summary>
    /// <param name="x">The input.</param>
    /// <param name="mean">The mean per index of <paramref name="axis"/>, shape (C).</param>
    /// <param name="variance">The variance per index of <paramref name="axis"/>, shape (C).</param>
    /// <param name="axis">The feature axis (Keras's required axis; -1 is the last).</param>
    /// <param name="offset">Optional beta, shape (C).</param>
    /// <param name="scale">Optional gamma, shape (C).</param>
    /// <param name="epsilon">Added to the variance (default 1e-3, Keras's).</param>
    /// <exception cref="ArgumentException">When the axis is out of range, a statistic's shape is not (C), or epsilon is not positive and finite.</exception>
    public static Tensor BatchNormalization(Tensor x, Tensor mean, Tensor variance, int axis, Tensor? offset = null, Tensor? scale = null, double epsilon = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(variance);
        const string Op = "Ops.BatchNormalization";
        int a = CanonicalAxes(Op, [axis], x.Dims)[0], C = x.Dims[a];
        RequireEpsilon(Op, epsilon);
        foreach (var (name, t) in new[] { ("mean", mean), ("variance", variance), ("offset", offset), ("scale", scale) })
            if (t != null && (t.Rank != 1 || t.Dims[0] != C))
                throw new ArgumentException($"{Op}: {name} must have shape ({C}) for axis {axis} of x {Shapes.Format(x.Dims)}, received {Shapes.Format(t.Dims)}.");
        int O = Product(x.Dims, 0, a), I = Product(x.Dims, a + 1, x.Rank);
        if (!mean.RequiresGrad && !variance.RequiresGrad)
        {
            var invstd = new float[C];
            PerChannel.InvStd(Array.ConvertAll(variance.Data, v => (double)v), epsilon, invstd);
            return ChannelNorm(x, 1, O, C, I, C, Array.ConvertAll(mean.Data, v => (double)v), invstd, scale, offset, batchStats: false);
        }
        // Statistics with gradients: the same formula from broadcasting ops.
        int[] perAxis = Enumerable.Range(0, x.Rank).Select(d => d == a ? C : 1).ToArray();
        var y = Div(Sub(x, Reshape(mean, perAxis)), Sqrt(Affine(Reshape(variance, perAxis), 1, epsilon)));
        if (scale != null) y = Mul(y, Reshape(scale, perAxis));
        return offset != null ? Add(y, Reshape(offset, perAxis)) : y;
    }

    /// <summary>
    /// Layer normalization over <paramref name="axes"/> (keras.ops.layer_normalization) on the fused row kernels:
    /// <c>(x - mean) / sqrt(variance + epsilon) * gamma + beta</c>, or with <paramref name="rmsScaling"/>
    /// <c>x / sqrt(variance + epsilon) * gamma</c>. Differentiable.
    /// </summary>
    /// <param name="x">The input.</param>
    /// <param name="gamma">Optional scale, of the normalized axes' shape.</param>
    /// <param name="beta">Optional offset, of the normalized axes' shape.</param>
    /// <param name="axes">The normalized axes (default the last).</param>
    /// <param name="epsilon">Added to the variance (default 1e-3, the layer's).</param>
    /// <param name="rmsScaling">Keras's rms_scaling: no centering, beta ignored (default false).</param>
    /// <exception cref="ArgumentException">When an axis is out of range or repeated, gamma or beta has another shape, or epsilon is not positive and finite.</exception>
    public static Tensor LayerNormalization(Tensor x, Tensor? gamma = null, Tensor? beta = null, int[]? axes = null, double epsilon = 1e-3, bool rmsScaling = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        const string Op = "Ops.LayerNormalization";
        var normalized = CanonicalAxes(Op, axes ?? [-1], x.Dims);
        RequireEpsilon(Op, epsilon);
        RequireShape(Op, "gamma", gamma, x, normalized);
        RequireShape(Op, "beta", beta, x, normalized);
        return RowNormalize(x, normalized, epsilon, gamma, rmsScaling ? null : beta, rmsScaling ? RowNormMode.VarianceScaling : RowNormMode.Center);
    }

    /// <summary>
    /// RMS normalization over <paramref name="axes"/> (keras.ops.rms_normalization) on the fused row kernels:
    /// <c>x / sqrt(mean(x²) + epsilon) * scale</c>. Differentiable.
    /// </summary>
    /// <param name="x">The input.</param>
    /// <param name="scale">Optional scale, of the normalized axes' shape (Keras's scale=1 when null).</param>
    /// <param name="axes">The normalized axes (default the last).</param>
    /// <param name="epsilon">Added to the mean square (default 1e-7, Keras's backend epsilon).</param>
    /// <exception cref="ArgumentException">When an axis is out of range or repeated, scale has another shape, or epsilon is not positive and finite.</exception>
    public static Tensor RmsNormalization(Tensor x, Tensor? scale = null, int[]? axes = null, double epsilon = 1e-7)
    {
        ArgumentNullException.ThrowIfNull(x);
        const string Op = "Ops.RmsNormalization";
        var normalized = CanonicalAxes(Op, axes ?? [-1], x.Dims);
        RequireEpsilon(Op, epsilon);
        RequireShape(Op, "scale", scale, x, normalized);
        return RowNormalize(x, normalized, epsilon, scale, null, RowNormMode.RootMeanSquare);
    }

    /// <summary>
    /// Group normalization (Wu and He): the channels of <paramref name="axis"/> in <paramref name="groups"/>
    /// groups, each normalized per sample over its channels and every other non-batch axis, then
    /// <c>* gamma + beta</c> per channel. On the group-norm kernels; differentiable.
    /// </summary>
    /// <param name="x">The input, batch first.</param>
    /// <param name="groups">The number of groups; must divide the channels.</param>
    /// <param name="gamma">Optional scale, shape (C).</param>
    /// <param name="beta">Optional offset, shape (C).</param>
    /// <param name="axis">The channel axis (default -1, channels-last); not the batch axis.</param>
    /// <param name="epsilon">Added to the variance (default 1e-3, the layer's).</param>
    /// <exception cref="ArgumentException">When the axis is out of range or the batch axis, groups do not divide the channels, gamma or beta is not (C), or epsilon is not positive and finite.</exception>
    public static Tensor GroupNormalization(Tensor x, int groups, Tensor? gamma = null, Tensor? beta = null, int axis = -1, double epsilon = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(x);
        const string Op = "Ops.GroupNormalization";
        int a = CanonicalAxes(Op, [axis], x.Dims)[0], C = x.Dims[a];
        if (a == 0) throw new ArgumentException($"{Op}: axis {axis} is the batch axis of x {Shapes.Format(x.Dims)}; give the channel axis.");
        if (groups < 1 || C % groups != 0)
            throw new ArgumentException($"{Op}: groups ({groups}) must divide the {C} channels of axis {axis} of x {Shapes.Format(x.Dims)}.");
        RequireEpsilon(Op, epsilon);
        RequireShape(Op, "gamma", gamma, x, [a]);
        RequireShape(Op, "beta", beta, x, [a]);
        return GroupNormalize(x, a, groups, epsilon, gamma, beta);
    }

    /// <summary>The group-norm computation shared with GroupNormalization: <paramref name="axis"/> resolved, arguments checked.</summary>
    internal static Tensor GroupNormalize(Tensor x, int axis, int groups, double epsilon, Tensor? gamma, Tensor? beta)
    {
        int B = x.Dims[0], O = Product(x.Dims, 1, axis), C = x.Dims[axis], I = Product(x.Dims, axis + 1, x.Rank);
        if (I == 1) return GroupNormChannelsLast(x, B, O, C, groups, epsilon, gamma, beta);
        var mean = new double[B * groups]; var variance = new double[B * groups];
        Kernels.Moments.Compute(x.Data, B, O, groups, C / groups * I, mean, variance);
        var invstd = new float[B * groups];
        PerChannel.InvStd(variance, epsilon, invstd);
        return ChannelNorm(x, B, O, C, I, groups, mean, invstd, gamma, beta, batchStats: true);
    }

    /// <summary>The row normalization shared with LayerNormalization, RMSNormalization and QK-norm: <paramref name="axes"/> sorted and checked.</summary>
    internal static Tensor RowNormalize(Tensor x, int[] axes, double epsilon, Tensor? gamma, Tensor? beta, RowNormMode mode)
    {
        var view = RowView(x.Dims, axes);
        if (view == null)
        {
            // Axes alternate too often for one strided view: move the normalized axes last and back.
            var kept = Enumerable.Range(0, x.Rank).Where(d => Array.IndexOf(axes, d) < 0);
            int[] perm = [.. kept, .. axes];
            var inverse = new int[perm.Length];
            for (int i = 0; i < perm.Length; i++) inverse[perm[i]] = i;
            int k = x.Rank - axes.Length;
            var result = RowNormalize(Transpose(x, perm), Enumerable.Range(k, axes.Length).ToArray(), epsilon, gamma, beta, mode);
            return Transpose(result, inverse);
        }
        var (B, O, K, I) = view.Value;
        if (O == 1 && K == 1)
            return RowNormContiguous(x, B, I, epsilon, gamma, beta, center: mode == RowNormMode.Center, rootMeanSquare: mode == RowNormMode.RootMeanSquare);
        var mean = new double[B * K]; var variance = new double[B * K];
        Kernels.Moments.Compute(x.Data, B, O, K, I, mean, variance);
        if (mode == RowNormMode.RootMeanSquare)
            for (int u = 0; u < mean.Length; u++) { variance[u] += mean[u] * mean[u]; mean[u] = 0; }
        var invstd = new float[B * K];
        PerChannel.InvStd(variance, epsilon, invstd);
        return RowNorm(x, B, O, K, I, mean, invstd, gamma, beta, center: mode == RowNormMode.Center);
    }

    /// <summary>
    /// The [B, O, K, I] view of a reduction over the sorted <paramref name="axes"/>: kept axes (B), reduced
    /// (O), kept (K), reduced (I). Null when the axes alternate more often than that.
    /// </summary>
    internal static (int B, int O, int K, int I)? RowView(ReadOnlySpan<int> dims, int[] axes)
    {
        var runs = new List<(bool Reduced, int Size)>();
        for (int d = 0; d < dims.Length; d++)
        {
            bool reduced = Array.IndexOf(axes, d) >= 0;
            if (runs.Count > 0 && runs[^1].Reduced == reduced) runs[^1] = (reduced, runs[^1].Size * dims[d]);
            else runs.Add((reduced, dims[d]));
        }
        if (runs.Count == 0 || runs[0].Reduced) runs.Insert(0, (false, 1));
        // Now runs = kept, reduced, [kept, [reduced]].
        if (runs.Count > 4) return null;
        int B = runs[0].Size;
        if (runs.Count == 2) return (B, 1, 1, runs[1].Size);
        if (runs.Count == 3) return (B, runs[1].Size, runs[2].Size, 1);
        return (B, runs[1].Size, runs[2].Size, runs[3].Size);
    }

    private static int Product(ReadOnlySpan<int> dims, int from, int to)
    {
        int p = 1;
        for (int i = from; i < to; i++) p *= dims[i];
        return p;
    }

    /// <summary>Sorted, non-negative, distinct axes of <paramref name="dims"/>.</summary>
    private static int[] CanonicalAxes(string op, int[] axes, ReadOnlySpan<int> dims)
    {
        int rank = dims.Length;
        var result = axes.Select(a => a < 0 ? a + rank : a).ToArray();
        for (int i = 0; i < result.Length; i++)
            if (result[i] < 0 || result[i] >= rank)
                throw new ArgumentException($"{op}: axis {axes[i]} is out of range for x of shape {Shapes.Format(dims)}.");
        if (result.Distinct().Count() != result.Length)
            throw new ArgumentException($"{op}: duplicate axes [{string.Join(", ", axes)}].");
        Array.Sort(result);
        return result;
    }

    private static void RequireEpsilon(string op, double epsilon)
    {
        if (!(epsilon > 0) || !double.IsFinite(epsilon))
            throw new ArgumentException($"{op}: epsilon must be positive and finite, received {epsilon}.");
    }

    /// <summary>Throws unless <paramref name="weight"/> (when given) has the shape of x's <paramref name="axes"/>.</summary>
    private static void RequireShape(string op, string name, Tensor? weight, Tensor x, int[] axes)
    {
        if (weight == null) return;
        int[] expected = axes.Select(a => x.Dims[a]).ToArray();
        if (!weight.Dims.SequenceEqual(expected))
            throw new ArgumentException($"{op}: {name} must have shape {Shapes.Format(expected)} (the normalized axes of x {Shapes.Format(x.Dims)}), received {Shapes.Format(weight.Dims)}.");
    }
}

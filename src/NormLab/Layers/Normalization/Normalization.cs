using System.Globalization;
using System.Text.Json.Nodes;
using NormLab.Kernels;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Keras's preprocessing Normalization: <c>y = (x - mean) / max(sqrt(variance), 1e-7)</c>, or with
/// <c>invert: true</c>, <c>y = mean + x * max(sqrt(variance), 1e-7)</c>. <c>axis</c> lists the axes
/// that are <b>kept</b> (one mean and variance per index along them); <see cref="Axes.None"/> keeps none.
/// The statistics come from <see cref="Adapt(Tensor)"/> (biased variance) or are given explicitly,
/// in which case they are aligned right to left onto the kept axes and broadcast.
/// </summary>
/// <remarks>Adapting on data containing NaN or infinity gives NaN statistics for the affected
/// indices (the same as NumPy), so every later output there is NaN: check your data.</remarks>
/// <example><code>var norm = new Normalization();
/// norm.Adapt(trainingData);
/// var y = norm.Call(x);</code></example>
public sealed class Normalization : Layer
{
    private readonly Axes axisArg;
    private readonly Tensor? explicitMean, explicitVariance;
    private int[]? keepAxes, broadcastShape, statShape, builtDims;
    private Tensor? meanWeight, varianceWeight, countWeight;
    private Tensor? meanB, stdB;

    /// <summary>Creates the layer; arguments and defaults follow keras.layers.Normalization.</summary>
    /// <param name="axis">The axes kept, with one mean and variance per index (default -1; <see cref="Axes.None"/> keeps none).</param>
    /// <param name="mean">Fixed means (broadcastable to the kept axes), given together with variance instead of adapting.</param>
    /// <param name="variance">Fixed variances, given together with mean.</param>
    /// <param name="invert">Undo the normalization instead: <c>mean + x * std</c> (default false).</param>
    /// <param name="inputShape">Optional input shape without the batch dimension, for the first layer of a model.</param>
    /// <param name="name">Optional layer name; a unique one from the class name when null.</param>
    /// <exception cref="ArgumentException">When only one of <paramref name="mean"/> and <paramref name="variance"/> is given, their shapes differ, or their rank exceeds the number of kept axes.</exception>
    public Normalization(Axes axis = default, Tensor? mean = null, Tensor? variance = null, bool invert = false,
        int[]? inputShape = null, string? name = null)
        : base(name, inputShape)
    {
        axisArg = axis;
        Invert = invert;
        if ((mean == null) != (variance == null))
            throw new ArgumentException($"{Describe()}: When setting values directly, both `mean` and `variance` must be set. Received: mean={Show(mean)} and variance={Show(variance)}");
        if (mean != null && variance != null)
        {
            if (!Shapes.Equal(mean.Dims, variance.Dims))
                throw new ArgumentException($"{Describe()}: When setting values directly, `mean` and `variance` must have the same shape. Received: mean shape {Shapes.Format(mean.Dims)} and variance shape {Shapes.Format(variance.Dims)}");
            int keptCount = axis.IsNone ? 0 : axis.Values.Length;
            if (mean.Rank > keptCount)
                throw new ArgumentException($"{Describe()}: The rank of `mean` must be less than or equal to the number of axes ({keptCount}). Received: mean shape {Shapes.Format(mean.Dims)} for axis {axisArg}");
            explicitMean = mean.Detach();
            explicitVariance = variance.Detach();
        }
    }

    /// <summary>The kept axes as given (empty for None).</summary>
    public int[] Axis => axisArg.IsNone ? [] : axisArg.Values;
    /// <summary>Whether the layer de-normalizes.</summary>
    public bool Invert { get; }
    /// <summary>The adapted (or explicit, broadcast) mean; null before build.</summary>
    public Tensor? Mean => meanWeight ?? meanB;
    /// <summary>The adapted (or explicit, broadcast) variance; null before build.</summary>
    public Tensor? Variance => varianceWeight ?? (explicitVariance == null || broadcastShape == null ? null : BroadcastStat(explicitVariance));

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        int ndim = inputShape.Length;
        var given = Axis;
        foreach (int a in given)
            if (a < -ndim || a >= ndim)
                throw new ArgumentException($"{Describe()}: All `axis` values must be in the range [-ndim, ndim). Received inputs with ndim={ndim}, while axis={axisArg}");
        keepAxes = given.Select(a => a < 0 ? a + ndim : a).Distinct().Order().ToArray();
        broadcastShape = Enumerable.Range(0, ndim).Select(d => keepAxes.Contains(d) ? inputShape[d] : 1).ToArray();
        statShape = keepAxes.Select(d => inputShape[d]).ToArray();
        builtDims = (int[])inputShape.Clone();
        if (explicitMean == null)
        {
            meanWeight = AddWeight("mean", statShape, "zeros", trainable: false);
            varianceWeight = AddWeight("variance", statShape, "ones", trainable: false);
            countWeight = AddWeight("count", [], "zeros", trainable: false);
        }
        else
        {
            meanB = BroadcastStat(explicitMean);
        }
        FinalizeState();
    }

    /// <summary>Numpy-broadcasts an explicit statistic onto the kept axes, then reshapes it to the broadcast shape.</summary>
    private Tensor BroadcastStat(Tensor stat)
    {
        int[] target = statShape!;
        Shapes.Broadcast(stat.Dims, target, "Normalization"); // throws when incompatible
        var full = Ops.Add(Tensor.Zeros(target), stat.Detach());
        if (!Shapes.Equal(full.Dims, target))
            throw new ArgumentException($"{Describe()}: the explicit statistics of shape {Shapes.Format(stat.Dims)} do not broadcast to the kept axes' shape {Shapes.Format(target)}.");
        return full.View(broadcastShape!);
    }

    /// <summary>Precomputes the broadcast mean and floored standard deviation used by the call.</summary>
    private void FinalizeState()
    {
        var mean = meanWeight != null ? meanWeight.View(broadcastShape!) : BroadcastStat(explicitMean!);
        var variance = varianceWeight != null ? varianceWeight.View(broadcastShape!) : BroadcastStat(explicitVariance!);
        var std = new float[variance.Size];
        for (int i = 0; i < std.Length; i++) std[i] = MathF.Max(MathF.Sqrt(variance.Data[i]), 1e-7f);
        meanB = new Tensor((float[])mean.Data.Clone(), broadcastShape!);
        stdB = new Tensor(std, broadcastShape!);
    }

    /// <summary>Computes the mean and biased variance of <paramref name="data"/> over the non-kept axes.</summary>
    /// <param name="data">Samples, batch dimension first, of the layer's input shape.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="data"/> is null.</exception>
    /// <exception cref="InvalidOperationException">When the layer was created with an explicit mean and variance.</exception>
    /// <exception cref="ArgumentException">When the shape of <paramref name="data"/> is incompatible with the layer's input shape.</exception>
    public void Adapt(Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        Adapt([data]);
    }

    /// <summary>
    /// Adapts on batches, merged with the stable parallel formula (the same global statistics as one
    /// big batch): <c>w = n_b / n</c>, <c>mean' = mean (1-w) + mean_b w</c>,
    /// <c>var' = (var + (mean - mean')²)(1-w) + (var_b + (mean_b - mean')²) w</c>.
    /// </summary>
    /// <param name="batches">Batches of samples, each batch dimension first.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="batches"/> is null.</exception>
    /// <exception cref="InvalidOperationException">When the layer was created with an explicit mean and variance.</exception>
    /// <exception cref="ArgumentException">When <paramref name="batches"/> is empty, yields null, or yields a batch whose shape is incompatible with the layer's input shape or the first batch's.</exception>
    public void Adapt(IEnumerable<Tensor> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        if (explicitMean != null)
            throw new InvalidOperationException($"{Describe()}: adapt() cannot be used on a layer built with an explicit `mean` and `variance`.");
        double[]? mean = null, variance = null;
        double count = 0;
        int[]? firstShape = null;
        foreach (var batch in batches)
        {
            if (batch == null)
                throw new ArgumentException($"{Describe()}: adapt() expects an iterable that yields tensors; received null.");
            if (!Built) Build(batch.Shape);
            if (firstShape == null)
            {
                if (!Compatible(batch.Dims))
                    throw new ArgumentException($"{Describe()}: The layer was built with input_shape={Shapes.Format(builtDims)}, but adapt() is being called with data with an incompatible shape, data.shape={Shapes.Format(batch.Dims)}");
                firstShape = batch.Shape;
            }
            else if (batch.Rank != firstShape.Length || !Compatible(batch.Dims))
                throw new ArgumentException($"{Describe()}: adapt() yielded a batch with incompatible shape. Expected {Shapes.Format(firstShape)}, got {Shapes.Format(batch.Dims)}.");
            var (bm, bv, n) = BatchMoments(batch);
            if (n == 0) continue;
            if (mean == null) { mean = bm; variance = bv; count = n; continue; }
            count += n;
            double w = n / count;
            for (int j = 0; j < mean.Length; j++)
            {
                double nm = mean[j] * (1 - w) + bm[j] * w;
                variance![j] = (variance[j] + (mean[j] - nm) * (mean[j] - nm)) * (1 - w) + (bv[j] + (bm[j] - nm) * (bm[j] - nm)) * w;
                mean[j] = nm;
            }
        }
        if (firstShape == null)
            throw new ArgumentException($"{Describe()}: adapt() received an empty iterable (no batches). Provide at least one batch of data.");
        if (mean == null) return;
        for (int j = 0; j < mean.Length; j++)
        {
            meanWeight!.Data[j] = (float)mean[j];
            varianceWeight!.Data[j] = (float)variance![j];
        }
        FinalizeState();
    }

    private bool Compatible(ReadOnlySpan<int> dims)
    {
        if (dims.Length != builtDims!.Length) return false;
        foreach (int a in keepAxes!) if (dims[a] != builtDims[a]) return false;
        return true;
    }

    /// <summary>Per kept index: mean and biased variance over the other axes, with the shared moments kernel.</summary>
    private (double[] mean, double[] var, long n) BatchMoments(Tensor batch)
    {
        int rank = batch.Rank;
        var reduce = Enumerable.Range(0, rank).Where(d => !keepAxes!.Contains(d)).ToArray();
        int K = keepAxes!.Aggregate(1, (p, a) => p * batch.Dims[a]);
        int R = reduce.Aggregate(1, (p, a) => p * batch.Dims[a]);
        float[] data;
        using (Autograd.Tape.NoGrad())
            data = Ops.Transpose(batch, [.. reduce, .. keepAxes!]).Data;
        var mean = new double[K]; var variance = new double[K];
        if (R > 0) Moments.Compute(data, 1, R, K, 1, mean, variance);
        return (mean, variance, R);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (meanWeight != null) FinalizeState(); // the weights may have been set or loaded since
        if (meanB == null || stdB == null)
            throw new InvalidOperationException($"{Describe()}: You must call `.build(input_shape)` on the layer before using it.");
        // The rank and every kept axis, which the statistics broadcast along.
        NormViews.CheckInput(Name, x, keepAxes!, builtDims!);
        return Invert ? Ops.Add(meanB, Ops.Mul(x, stdB)) : Ops.Div(Ops.Sub(x, meanB), stdB);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => (int[])inputShape.Clone();

    /// <summary>The mean and the standard deviation (floored) that Forward uses, broadcastable to the input (ONNX export).</summary>
    internal (Tensor Mean, Tensor Std) BroadcastStatistics()
    {
        if (meanWeight != null) FinalizeState();
        return (meanB ?? throw new InvalidOperationException($"{Describe()}: not built."), stdB!);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = axisArg.ToJson();
        config["invert"] = Invert;
        config["mean"] = explicitMean == null ? null : StatJson(explicitMean);
        config["variance"] = explicitVariance == null ? null : StatJson(explicitVariance);
        return config;
    }

    private static JsonNode StatJson(Tensor t) => new JsonObject
    {
        ["shape"] = t.Shape.ToJson(),
        ["data"] = t.Data.ToJson(),
    };

    private static Tensor? StatFromJson(JsonNode? node) =>
        node is JsonObject o ? Tensor.FromArray(o.GetFloats("data")!, o.GetInts("shape")!) : null;

    internal static Normalization FromConfig(JsonObject c) => new(
        Axes.FromJson(c["axis"], nullIsNone: true), StatFromJson(c["mean"]), StatFromJson(c["variance"]),
        c.GetBool("invert", false), name: c.GetString("name"));

    private static string Show(Tensor? t) => t == null ? "None" :
        t.Rank == 0 ? t.Data[0].ToString(CultureInfo.InvariantCulture) : "[" + string.Join(", ", t.Data.Take(8).Select(v => v.ToString(CultureInfo.InvariantCulture))) + (t.Size > 8 ? ", ..." : "") + "]";
}

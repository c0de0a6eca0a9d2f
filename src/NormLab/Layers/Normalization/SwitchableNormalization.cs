using System.Text.Json.Nodes;
using NormLab.Distributed;
using NormLab.Kernels;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Switchable Normalization (Luo et al., ICLR 2019): instance, layer and batch statistics mixed by two
/// learned softmax weight vectors, one for the means and one for the variances (order [IN, LN, BN]).
/// </summary>
/// <remarks>
/// <para><b>Math (as the reference <c>SwitchNorm2d</c>).</b> With N the batch axis, C the feature axis and
/// HW the product of the other axes:
/// <code>
/// mi, vi  = mean and unbiased variance over HW per (n, c)                      (IN)
/// ml, vl  = mean_c mi,  mean_c (vi + mi^2) - ml^2                              (LN, from IN)
/// mb, vb  = mean_n mi,  mean_n (vi + mi^2) - mb^2                              (BN, from IN)
/// mu = softmax(meanWeights) . [mi, ml, mb];  var = softmax(varianceWeights) . [vi, vl, vb]
/// y  = (x - mu) / sqrt(var + epsilon) * gamma + beta
/// </code>
/// LN and BN variances are computed in the equivalent, cancellation-free form
/// <c>mean(vi) + mean((mi - m)^2)</c>. All statistics come from one pass over the data (the shared
/// moments kernel per (n, c)); forward is one fused normalize pass and backward is hand-derived (two
/// passes), so the layer costs about as much as BatchNormalization.</para>
/// <para><b>Training</b>: gradients flow through every statistic, BN's included;
/// <c>moving = moving * momentum + batch * (1 - momentum)</c> for mb and vb (moving statistics start at
/// 0, as in the reference). <b>Inference</b> (or <c>Trainable = false</c>): mb and vb are replaced by the
/// moving statistics; IN and LN are still computed from the sample.</para>
/// <para><b>Deviation: spatial size 1.</b> The reference divides by HW - 1 and returns NaN for (N, C, 1, 1)
/// inputs (its issue #5). Here, when HW = 1 the instance variance is the biased one, 0, so IN normalizes
/// every value to 0 (times gamma, plus beta) and LN/BN are the ordinary biased variances over channels
/// and batch. Rank-2 (N, C) inputs take this path: they keep the IN branch (the reference's
/// <c>SwitchNorm1d</c> drops it and uses unbiased LN/BN variances).</para>
/// <para>Momentum is NormLab's (Keras) convention, the weight of the old value; the reference's
/// SwitchNorm2d default 0.9 is the same convention. The reference's epsilon is 1e-5.</para>
/// <para>Weights, in order: gamma (C), beta (C), mean_weights (3, or 2 without batch statistics),
/// variance_weights (same), moving_mean (C), moving_variance (C); the last two only with batch statistics.</para>
/// <para><b>Synchronized.</b> With <c>synchronized: true</c> (and the BN branch), inside
/// <c>Fit(..., distributed: true)</c> under <c>mpirun</c>, mb and vb are those of the global batch, as
/// <see cref="BatchNormalization"/>'s option: each rank's (samples, mb, vb) per channel are gathered and merged
/// with Chan's formula (exact for unequal shards: every sample weighs the same, as in one process), the
/// backward sums the BN branch's per-channel sums <c>sum_n dL/dmu</c> and <c>sum_n dL/dvar</c> over the ranks,
/// and the moving statistics are identical on every rank. IN and LN are per sample and stay local. Outside
/// distributed training, or without the BN branch, the option changes nothing.</para>
/// </remarks>
/// <example><code>var sn = new SwitchableNormalization();
/// var y = sn.Call(x, training: true);
/// double[] w = sn.MeanWeights; // [IN, LN, BN]</code></example>
public sealed class SwitchableNormalization : NormalizationLayer
{
    private int axis, rank;

    /// <summary>Creates the layer.</summary>
    /// <param name="axis">The feature axis (not the batch axis 0).</param>
    /// <param name="momentum">Weight of the old value in the moving averages, in [0, 1].</param>
    /// <param name="epsilon">Added to the mixed variance; must be positive.</param>
    /// <param name="useBatchStatistics">Whether the BN branch exists (false: IN and LN only, as the reference's <c>using_bn=False</c>).</param>
    /// <param name="synchronized">Whether distributed training computes the BN branch's batch statistics over every replica (see the remarks).</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">The layer's name.</param>
    public SwitchableNormalization(int axis = -1, double momentum = 0.99, double epsilon = 1e-3, bool useBatchStatistics = true,
        bool synchronized = false, int[]? inputShape = null, string? name = null)
        : base(epsilon, trainable: true, inputShape, name)
    {
        Momentum = CheckedMomentum(momentum);
        Axis = axis;
        UseBatchStatistics = useBatchStatistics;
        Synchronized = synchronized;
    }

    /// <summary>The feature axis (as given).</summary>
    public int Axis { get; }
    /// <summary>Weight of the old value in the moving averages.</summary>
    public double Momentum { get; }
    /// <summary>Whether the BN branch exists.</summary>
    public bool UseBatchStatistics { get; }
    /// <summary>Whether distributed training computes the BN branch's batch statistics over every replica (see the remarks).</summary>
    public bool Synchronized { get; }

    /// <summary>gamma (null before build).</summary>
    public Tensor? Gamma { get; private set; }
    /// <summary>beta (null before build).</summary>
    public Tensor? Beta { get; private set; }
    /// <summary>The logits of the mean weights, [IN, LN(, BN)].</summary>
    public Tensor? MeanLogits { get; private set; }
    /// <summary>The logits of the variance weights, [IN, LN(, BN)].</summary>
    public Tensor? VarianceLogits { get; private set; }
    /// <summary>The moving mean of the BN branch (null without batch statistics).</summary>
    public Tensor? MovingMean { get; private set; }
    /// <summary>The moving variance of the BN branch (null without batch statistics).</summary>
    public Tensor? MovingVariance { get; private set; }

    /// <summary>The softmaxed mean weights [IN, LN(, BN)] (null before build).</summary>
    public double[]? MeanWeights => MeanLogits == null ? null : Ops.SoftmaxD(MeanLogits.Data);
    /// <summary>The softmaxed variance weights [IN, LN(, BN)] (null before build).</summary>
    public double[]? VarianceWeights => VarianceLogits == null ? null : Ops.SoftmaxD(VarianceLogits.Data);

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        rank = inputShape.Length;
        axis = SampleChannelView.Resolve(Describe(), Axis, inputShape, 2);
        int C = inputShape[axis], k = UseBatchStatistics ? 3 : 2;
        Gamma = AddWeight("gamma", [C], "ones");
        Beta = AddWeight("beta", [C], "zeros");
        MeanLogits = AddWeight("mean_weights", [k], "ones");
        VarianceLogits = AddWeight("variance_weights", [k], "ones");
        if (UseBatchStatistics)
        {
            MovingMean = AddWeight("moving_mean", [C], "zeros", trainable: false);
            MovingVariance = AddWeight("moving_variance", [C], "zeros", trainable: false);
        }
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        NormViews.CheckInput(Name, x, rank, axis, Gamma!.Size);
        var v = SampleChannelView.Of(x.Dims, axis);
        bool batch = training && Trainable;
        if (batch && UseBatchStatistics) NormViews.RejectEmptyBatch(Describe(), x);
        var (mi, vb) = Ops.InstanceMoments(x, v.N, v.O, v.C, v.I);
        // The reference's unbiased instance variance; biased (0) for a single value, where it would be 0/0.
        double bessel = v.Spatial > 1 ? v.Spatial / (v.Spatial - 1.0) : 1.0;
        for (int j = 0; j < vb.Length; j++) vb[j] *= bessel;
        var y = Ops.SwitchableNorm(x, v.N, v.O, v.C, v.I, mi, vb, bessel,
            UseBatchStatistics ? NormViews.ToDouble(MovingMean!.Data) : null,
            UseBatchStatistics ? NormViews.ToDouble(MovingVariance!.Data) : null,
            batch, Epsilon, Gamma, Beta!, MeanLogits!, VarianceLogits!, out var bm, out var bv,
            batch && UseBatchStatistics && Synchronized ? SyncBatchStatistics.Current : null);
        if (batch && UseBatchStatistics)
        {
            MovingAverage.RequireFinite(Describe(), v.C, bm!, bv!);
            MovingAverage.Update(MovingMean!, bm!, Momentum);
            MovingAverage.Update(MovingVariance!, bv!, Momentum);
        }
        return y;
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        SampleChannelView.Resolve(Describe(), Axis, inputShape, 2);
        return (int[])inputShape.Clone();
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = Axis;
        config["momentum"] = Momentum;
        config["use_batch_statistics"] = UseBatchStatistics;
        config["synchronized"] = Synchronized;
        return config;
    }

    internal static SwitchableNormalization FromConfig(JsonObject c) => new(
        c.GetInt("axis", -1), c.GetDouble("momentum", 0.99), c.GetDouble("epsilon", 1e-3),
        c.GetBool("use_batch_statistics", true), c.GetBool("synchronized", false), name: c.GetString("name"));
}

using System.Text.Json.Nodes;
using NormLab.Constraints;
using NormLab.Distributed;
using NormLab.Kernels;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Batch-Instance Normalization (Nam and Kim, NeurIPS 2018): a per-channel gate rho in [0, 1] mixes the
/// batch-normalized and the instance-normalized input, <c>y = (rho * x_bn + (1 - rho) * x_in) * gamma + beta</c>.
/// </summary>
/// <remarks>
/// <para><b>Statistics.</b> Instance mean and biased variance per (sample, channel) come from one pass over
/// the data; the batch statistics per channel are derived from them exactly (equal group sizes:
/// <c>mb = mean_n mi</c>, <c>vb = mean_n vi + mean_n (mi - mb)^2</c>). Training: BN branch on the batch
/// statistics, <c>moving = moving * momentum + batch * (1 - momentum)</c>, and, as the reference (a PyTorch
/// <c>_BatchNorm</c> subclass), the moving variance stores the <b>unbiased</b> batch variance (n = N * HW).
/// Inference (or <c>Trainable = false</c>): BN branch on the moving statistics. The IN branch always uses
/// the sample's own statistics. Gradients reach x through both branches (fused, hand-derived backward).</para>
/// <para><b>The gate.</b> rho starts at 1 (pure BN) and carries a <see cref="ClipConstraint"/>(0, 1) that the
/// training loop applies after every optimizer step (the reference clamps after <c>optimizer.step()</c>).
/// The layer itself does not clamp: a rho set outside [0, 1] by hand is used as is.</para>
/// <para><b>Ranks 3 to 5</b> with any feature axis other than the batch axis (the reference only works for
/// 4-D input). Each (sample, channel) needs more than one value: a spatial size of 1 throws, because the
/// instance-normalized branch would be identically 0 (PyTorch raises the same way).</para>
/// <para>Momentum is NormLab's convention (weight of the old value): the reference's PyTorch 0.1 is 0.9
/// here. Epsilon defaults to Keras's 1e-3 (the reference uses 1e-5).</para>
/// <para>Weights, in order: gamma (C), beta (C), rho (C), moving_mean (C, zeros), moving_variance (C, ones).</para>
/// <para><b>Synchronized.</b> With <c>synchronized: true</c>, inside <c>Fit(..., distributed: true)</c> under
/// <c>mpirun</c>, the BN branch uses the statistics of the global batch, as
/// <see cref="BatchNormalization"/>'s option: each rank's (count, mean, M2) per channel are gathered and merged
/// with Chan's formula (exact for unequal shards), the backward sums the BN branch's <c>sum dy</c> and
/// <c>sum dy * (x - mb)</c> over the ranks, and the moving statistics (unbiased with the global count) are
/// identical on every rank. The IN branch is per sample and stays local. Outside distributed training the
/// statistics are local, as with <c>false</c>.</para>
/// </remarks>
/// <example><code>var bin = new BatchInstanceNormalization();
/// var y = bin.Call(images, training: true);
/// double[] gate = bin.Rho;</code></example>
public sealed class BatchInstanceNormalization : NormalizationLayer
{
    private int axis, rank;

    /// <summary>Creates the layer.</summary>
    /// <param name="axis">The feature axis (not the batch axis 0).</param>
    /// <param name="momentum">Weight of the old value in the moving averages, in [0, 1].</param>
    /// <param name="epsilon">Added to both variances; must be positive.</param>
    /// <param name="synchronized">Whether distributed training computes the BN branch's batch statistics over every replica (see the remarks).</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">The layer's name.</param>
    public BatchInstanceNormalization(int axis = -1, double momentum = 0.99, double epsilon = 1e-3, bool synchronized = false,
        int[]? inputShape = null, string? name = null)
        : base(epsilon, trainable: true, inputShape, name)
    {
        Momentum = CheckedMomentum(momentum);
        Axis = axis;
        Synchronized = synchronized;
    }

    /// <summary>The feature axis (as given).</summary>
    public int Axis { get; }
    /// <summary>Weight of the old value in the moving averages.</summary>
    public double Momentum { get; }
    /// <summary>Whether distributed training computes the BN branch's batch statistics over every replica (see the remarks).</summary>
    public bool Synchronized { get; }

    /// <summary>gamma (null before build).</summary>
    public Tensor? Gamma { get; private set; }
    /// <summary>beta (null before build).</summary>
    public Tensor? Beta { get; private set; }
    /// <summary>The gate weight (null before build).</summary>
    public Tensor? Gate { get; private set; }
    /// <summary>The moving mean of the BN branch.</summary>
    public Tensor? MovingMean { get; private set; }
    /// <summary>The moving (unbiased) variance of the BN branch.</summary>
    public Tensor? MovingVariance { get; private set; }

    /// <summary>The gate values per channel (1 = pure BN, 0 = pure IN); null before build.</summary>
    public double[]? Rho => Gate == null ? null : NormViews.ToDouble(Gate.Data);

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        rank = inputShape.Length;
        if (rank > 5)
            throw new ArgumentException($"{Describe()}: expected input of rank 3, 4 or 5, received shape {Shapes.Format(inputShape)}.");
        axis = SampleChannelView.Resolve(Describe(), Axis, inputShape, 3);
        int C = inputShape[axis];
        Gamma = AddWeight("gamma", [C], "ones");
        Beta = AddWeight("beta", [C], "zeros");
        Gate = AddWeight("rho", [C], "ones", constraint: new ClipConstraint(0, 1));
        MovingMean = AddWeight("moving_mean", [C], "zeros", trainable: false);
        MovingVariance = AddWeight("moving_variance", [C], "ones", trainable: false);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        NormViews.CheckInput(Name, x, rank, axis, Gamma!.Size);
        var v = SampleChannelView.Of(x.Dims, axis);
        if (v.Spatial <= 1)
            throw new ArgumentException($"{Describe()}: each (sample, channel) needs more than one value for instance statistics, received input of shape {Shapes.Format(x.Dims)} (axis {Axis}).");
        bool batch = training && Trainable;
        if (batch) NormViews.RejectEmptyBatch(Describe(), x);
        var (mi, vi) = Ops.InstanceMoments(x, v.N, v.O, v.C, v.I);
        double[] mb, vb;
        double n = (double)v.N * v.Spatial;
        var sync = batch && Synchronized ? SyncBatchStatistics.Current : null;
        if (batch)
        {
            (mb, vb) = InstancePooling.OverSamples(mi, vi, v.N, v.C);
            // Equal group sizes: the pooled biased variance is the channel's, over N * spatial values.
            if (sync != null) n = sync.Merge((long)v.N * v.Spatial, mb, vb);
        }
        else { mb = NormViews.ToDouble(MovingMean!.Data); vb = NormViews.ToDouble(MovingVariance!.Data); }
        var y = Ops.BatchInstanceNorm(x, v.N, v.O, v.C, v.I, mi, vi, mb, vb, batch, Epsilon, Gamma, Beta!, Gate!,
            sync?.BackwardSums((long)n));
        if (batch)
        {
            MovingAverage.RequireFinite(Describe(), v.C, mb, vb);
            double unbias = n / (n - 1);
            for (int c = 0; c < v.C; c++)
            {
                MovingAverage.Update(MovingMean!, c, mb[c], Momentum);
                MovingAverage.Update(MovingVariance!, c, vb[c] * unbias, Momentum);
            }
        }
        return y;
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        SampleChannelView.Resolve(Describe(), Axis, inputShape, 3);
        return (int[])inputShape.Clone();
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = Axis;
        config["momentum"] = Momentum;
        config["synchronized"] = Synchronized;
        return config;
    }

    internal static BatchInstanceNormalization FromConfig(JsonObject c) => new(
        c.GetInt("axis", -1), c.GetDouble("momentum", 0.99), c.GetDouble("epsilon", 1e-3),
        c.GetBool("synchronized", false), name: c.GetString("name"));
}

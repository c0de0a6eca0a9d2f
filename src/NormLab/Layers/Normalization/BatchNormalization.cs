using System.Globalization;
using System.Text.Json.Nodes;
using NormLab.Constraints;
using NormLab.Distributed;
using NormLab.Initializers;
using NormLab.Kernels;
using NormLab.Regularizers;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Keras's BatchNormalization: normalizes each feature over the batch (and every other axis).
/// </summary>
/// <remarks>
/// <para>Training (<c>training: true</c> and <see cref="Layer.Trainable"/>): batch mean and biased
/// variance; <c>moving = moving * momentum + batch * (1 - momentum)</c> after every training call.
/// Inference, or <c>Trainable = false</c> (frozen, as in Keras 3): the moving statistics, no update.</para>
/// <para><b>One value per channel.</b> Training on a batch where each feature has a single value
/// (e.g. a (1, C) batch, such as the last batch of 33 samples at batch size 32) works as in Keras: the
/// batch variance is 0, the output is beta whatever the input (so no gradient reaches the input), and
/// the moving statistics move towards that sample's value and a variance of 0. PyTorch raises instead;
/// a direct call behaves the same as inside Fit. An empty batch throws in training (there are no
/// statistics), and gives an empty output in inference.</para>
/// <para><b>NaN and infinity.</b> In inference, non-finite inputs simply propagate to the outputs.
/// In training, a batch whose statistics are not finite for some feature throws
/// <see cref="InvalidOperationException"/> naming the features, <i>before</i> any moving statistic
/// is touched: the moving mean and variance (and the renorm statistics) keep their previous values,
/// so one bad batch cannot silently poison inference (Keras would store NaN).</para>
/// <para>Masks are not supported (the layer API has none).</para>
/// <para><b>Synchronized.</b> With <c>synchronized: true</c>, inside <c>Fit(..., distributed: true)</c>
/// under <c>mpirun</c>, the batch statistics are those of the global batch: each rank's (count, mean,
/// M2) are gathered and merged with Chan's formula (exact for unequal shards), the backward sums
/// <c>sum dy</c> and <c>sum dy * xhat</c> over the ranks, and the moving statistics are identical on
/// every rank. Outside distributed training the statistics are local, as with <c>false</c>.</para>
/// </remarks>
/// <example><code>var bn = new BatchNormalization(momentum: 0.9);
/// var y = bn.Call(x, training: true);</code></example>
public sealed class BatchNormalization : AffineNormalizationLayer
{
    private static readonly string[] ClippingKeys = ["rmax", "rmin", "dmax"];
    private readonly Initializer movingMeanInitializer, movingVarianceInitializer;
    private readonly Dictionary<string, double>? renormClipping;
    private int axis = -1, channels, rank;

    /// <summary>Creates the layer; arguments and defaults follow keras.layers.BatchNormalization.</summary>
    /// <param name="axis">The feature (channel) axis; -1 is the last (channels-last).</param>
    /// <param name="momentum">Weight of the old value in the moving statistics: new = old * momentum + batch * (1 - momentum).</param>
    /// <param name="epsilon">Added to the variance before the square root.</param>
    /// <param name="center">Whether to add the learned offset beta.</param>
    /// <param name="scale">Whether to multiply by the learned scale gamma.</param>
    /// <param name="betaInitializer">Initializer of beta (default "zeros").</param>
    /// <param name="gammaInitializer">Initializer of gamma (default "ones").</param>
    /// <param name="movingMeanInitializer">Initializer of the moving mean (default "zeros").</param>
    /// <param name="movingVarianceInitializer">Initializer of the moving variance (default "ones").</param>
    /// <param name="betaRegularizer">Optional penalty on beta.</param>
    /// <param name="gammaRegularizer">Optional penalty on gamma.</param>
    /// <param name="betaConstraint">Optional constraint applied to beta after each update.</param>
    /// <param name="gammaConstraint">Optional constraint applied to gamma after each update.</param>
    /// <param name="renorm">Batch renormalization: correct the batch statistics towards the moving ones by r and d.</param>
    /// <param name="renormClipping">Keys "rmax", "rmin", "dmax" (each optional), used when <paramref name="renorm"/>.</param>
    /// <param name="renormMomentum">Momentum of the moving statistics that renormalization corrects towards.</param>
    /// <param name="synchronized">Compute the batch statistics over every replica in data-parallel training.</param>
    /// <param name="trainable">False freezes the layer: inference mode, no moving-statistic updates (Keras 3).</param>
    /// <param name="inputShape">Optional input shape without the batch dimension, for the first layer of a model.</param>
    /// <param name="name">Optional layer name.</param>
    /// <exception cref="ArgumentException">When <paramref name="epsilon"/> is not positive and finite, <paramref name="momentum"/> (or, with <paramref name="renorm"/>, <paramref name="renormMomentum"/>) is outside [0, 1], or, with <paramref name="renorm"/>, <paramref name="renormClipping"/> has a key other than "rmax", "rmin" and "dmax", rmax below rmin, or a negative dmax.</exception>
    public BatchNormalization(int axis = -1, double momentum = 0.99, double epsilon = 1e-3, bool center = true, bool scale = true,
        Initializer? betaInitializer = null, Initializer? gammaInitializer = null,
        Initializer? movingMeanInitializer = null, Initializer? movingVarianceInitializer = null,
        Regularizer? betaRegularizer = null, Regularizer? gammaRegularizer = null,
        Constraint? betaConstraint = null, Constraint? gammaConstraint = null,
        bool renorm = false, IDictionary<string, double>? renormClipping = null, double renormMomentum = 0.99,
        bool synchronized = false, bool trainable = true, int[]? inputShape = null, string? name = null)
        : base(epsilon, center, scale,
            GammaAndBeta.WithDefaults(betaInitializer, gammaInitializer, betaRegularizer, gammaRegularizer, betaConstraint, gammaConstraint),
            trainable, inputShape, name)
    {
        Momentum = CheckedMomentum(momentum);
        if (renorm) CheckedMomentum(renormMomentum);
        Axis = axis;
        this.movingMeanInitializer = movingMeanInitializer ?? "zeros";
        this.movingVarianceInitializer = movingVarianceInitializer ?? "ones";
        Renorm = renorm;
        RenormMomentum = renormMomentum;
        Synchronized = synchronized;
        if (renormClipping != null) this.renormClipping = new Dictionary<string, double>(renormClipping);
        if (renorm && renormClipping != null)
        {
            var bad = renormClipping.Keys.Where(k => !ClippingKeys.Contains(k)).ToList();
            if (bad.Count > 0)
                throw new ArgumentException($"{Describe()}: Received invalid keys for `renorm_clipping` argument: {FormatClipping(renormClipping)}. Supported values: ['rmax', 'rmin', 'dmax'].");
            double rmax = renormClipping.TryGetValue("rmax", out var a) ? a : double.PositiveInfinity;
            double rmin = renormClipping.TryGetValue("rmin", out var b) ? b : 0;
            double dmax = renormClipping.TryGetValue("dmax", out var d) ? d : double.PositiveInfinity;
            if (rmax < rmin)
                throw new ArgumentException($"{Describe()}: rmax should be greater than rmin in the `renorm_clipping` argument. Received: rmax={Fmt(rmax)}, rmin={Fmt(rmin)}.");
            if (dmax < 0)
                throw new ArgumentException($"{Describe()}: dmax should be non-negative in the `renorm_clipping` argument. Received: dmax={Fmt(dmax)}.");
        }
    }

    /// <summary>The feature axis (as given; may be negative).</summary>
    public int Axis { get; }
    /// <summary>Weight of the old value in the moving averages.</summary>
    public double Momentum { get; }
    /// <summary>Whether batch renormalization is used in training.</summary>
    public bool Renorm { get; }
    /// <summary>Momentum of renorm_mean and renorm_stddev.</summary>
    public double RenormMomentum { get; }
    /// <summary>Whether distributed training computes the batch statistics over every replica (see the remarks).</summary>
    public bool Synchronized { get; }

    /// <summary>The moving mean (null before build).</summary>
    public Tensor? MovingMean { get; private set; }
    /// <summary>The moving variance (null before build).</summary>
    public Tensor? MovingVariance { get; private set; }
    /// <summary>Renorm only: moving_stddev, renorm_mean, renorm_stddev.</summary>
    public Tensor? MovingStddev { get; private set; }
    /// <inheritdoc cref="MovingStddev"/>
    public Tensor? RenormMean { get; private set; }
    /// <inheritdoc cref="MovingStddev"/>
    public Tensor? RenormStddev { get; private set; }

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        rank = inputShape.Length;
        axis = NormViews.ResolveAxis(Describe(), Axis, inputShape);
        channels = inputShape[axis];
        int[] shape = [channels];
        AddGammaAndBeta(shape);
        MovingMean = AddWeight("moving_mean", shape, movingMeanInitializer, trainable: false);
        MovingVariance = AddWeight("moving_variance", shape, movingVarianceInitializer, trainable: false);
        if (Renorm)
        {
            MovingStddev = AddWeight("moving_stddev", shape, movingVarianceInitializer, trainable: false);
            SqrtInPlace(MovingStddev);
            RenormMean = AddWeight("renorm_mean", shape, movingMeanInitializer, trainable: false);
            RenormStddev = AddWeight("renorm_stddev", shape, movingVarianceInitializer, trainable: false);
            SqrtInPlace(RenormStddev);
        }
    }

    private static void SqrtInPlace(Tensor t)
    {
        for (int i = 0; i < t.Size; i++) t.Data[i] = MathF.Sqrt(t.Data[i]);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        NormViews.CheckInput(Name, x, rank, axis, channels);
        int O = NormViews.Prod(x.Dims, 0, axis), C = channels, I = NormViews.Prod(x.Dims, axis + 1, rank);
        if (!(training && Trainable))
            return NormViews.WithMovingStatistics(x, O, C, I, MovingMean!, MovingVariance!, Epsilon, Gamma, Beta);

        var sync = Synchronized ? SyncBatchStatistics.Current : null;
        if (sync == null) NormViews.RejectEmptyBatch(Describe(), x);
        long count = (long)O * I;
        var mean = new double[C]; var variance = new double[C];
        Moments.Compute(x.Data, 1, O, C, I, mean, variance);
        if (sync != null) count = sync.Merge(count, mean, variance);
        var crossReplica = sync?.BackwardSums(count);
        MovingAverage.RequireFinite(Describe(), C, mean, variance);
        var invstd = NormViews.InvStd(variance, Epsilon);

        Tensor y;
        if (Renorm)
        {
            var r = new float[C]; var d = new float[C];
            double rmax = Clip("rmax", double.PositiveInfinity), rmin = Clip("rmin", double.NegativeInfinity), dmax = Clip("dmax", double.PositiveInfinity);
            double sqrtEps = Math.Sqrt(Epsilon);
            for (int c = 0; c < C; c++)
            {
                double std = Math.Sqrt(variance[c] + Epsilon);
                double rs = Math.Max(RenormStddev!.Data[c], sqrtEps);
                double rc = std / rs, dc = (mean[c] - RenormMean!.Data[c]) / rs;
                rc = Math.Min(Math.Max(rc, rmin), rmax);
                dc = Math.Min(Math.Max(dc, -dmax), dmax);
                r[c] = (float)rc; d[c] = (float)dc;
            }
            y = Ops.ChannelNorm(x, 1, O, C, I, C, mean, invstd, Gamma, Beta, batchStats: true, r, d, crossReplica);
            for (int c = 0; c < C; c++)
            {
                double std = Math.Sqrt(variance[c] + Epsilon);
                MovingAverage.Update(RenormMean!, c, mean[c], RenormMomentum);
                MovingAverage.Update(RenormStddev!, c, std, RenormMomentum);
                MovingAverage.Update(MovingMean!, c, mean[c], Momentum);
                double ms = MovingStddev!.Data[c] * Momentum + std * (1 - Momentum);
                MovingStddev.Data[c] = (float)ms;
                MovingVariance!.Data[c] = (float)Math.Max(ms * ms - Epsilon, 0);
            }
            return y;
        }

        y = Ops.ChannelNorm(x, 1, O, C, I, C, mean, invstd, Gamma, Beta, batchStats: true, crossReplica: crossReplica);
        MovingAverage.Update(MovingMean!, mean, Momentum);
        MovingAverage.Update(MovingVariance!, variance, Momentum);
        return y;
    }

    private double Clip(string key, double fallback) =>
        renormClipping != null && renormClipping.TryGetValue(key, out var v) ? v : fallback;

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        NormViews.ResolveAxis(Describe(), Axis, inputShape);
        return (int[])inputShape.Clone();
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = Axis;
        config["momentum"] = Momentum;
        config["moving_mean_initializer"] = movingMeanInitializer.GetConfig();
        config["moving_variance_initializer"] = movingVarianceInitializer.GetConfig();
        config["synchronized"] = Synchronized;
        config["renorm"] = Renorm;
        config["renorm_clipping"] = renormClipping == null ? null : new JsonObject(renormClipping.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
        config["renorm_momentum"] = RenormMomentum;
        return config;
    }

    internal static BatchNormalization FromConfig(JsonObject c) => FromConfig(c, GammaAndBeta.Read(c));

    private static BatchNormalization FromConfig(JsonObject c, GammaAndBeta a) => new(
        c.GetInt("axis", -1), c.GetDouble("momentum", 0.99), c.GetDouble("epsilon", 1e-3),
        c.GetBool("center", true), c.GetBool("scale", true),
        a.Beta.Initializer, a.Gamma.Initializer,
        OptInit(c["moving_mean_initializer"]), OptInit(c["moving_variance_initializer"]),
        a.Beta.Regularizer, a.Gamma.Regularizer, a.Beta.Constraint, a.Gamma.Constraint,
        c.GetBool("renorm", false),
        c["renorm_clipping"] is JsonObject clip ? clip.ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<double>()) : null,
        c.GetDouble("renorm_momentum", 0.99), c.GetBool("synchronized", false), c.GetBool("trainable", true),
        name: c.GetString("name"));

    internal static Initializer? OptInit(JsonNode? node) => node is null ? null : Initializer.FromConfig(node);

    private static string Fmt(double v) => double.IsPositiveInfinity(v) ? "inf" : v.ToString(CultureInfo.InvariantCulture);

    private static string FormatClipping(IDictionary<string, double> d) =>
        "{" + string.Join(", ", d.Select(kv => $"'{kv.Key}': {Fmt(kv.Value)}")) + "}";
}

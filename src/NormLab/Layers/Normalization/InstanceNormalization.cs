using System.Text.Json.Nodes;
using NormLab.Initializers;
using NormLab.Kernels;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Instance normalization (Ulyanov et al. 2016): each sample's channel is normalized over its
/// spatial positions, <c>y = (x - mean[n, c]) / sqrt(var[n, c] + epsilon) * gamma[c] + beta[c]</c>,
/// with the biased variance. Channels last by default (<c>axis: -1</c>); input rank 3 or more
/// (batch, spatial..., channels).
/// </summary>
/// <remarks>
/// <para>Weights, in order: <c>gamma</c>, <c>beta</c> (per channel, ones and zeros, when
/// <c>scale</c>/<c>center</c>), then, with <c>trackRunningStats</c>, the non-trainable
/// <c>moving_mean</c> (zeros) and <c>moving_variance</c> (ones).</para>
/// <para>Without <c>trackRunningStats</c> (the default, as PyTorch) training and inference are
/// identical: the sample's own statistics. With it, training updates, as PyTorch's
/// <c>InstanceNorm(track_running_stats=True)</c>, <c>moving_mean = moving_mean * momentum +
/// mean_n(instance means) * (1 - momentum)</c> and the same for <c>moving_variance</c> with the
/// mean over the batch of the <b>unbiased</b> instance variances (divide by spatial size - 1);
/// inference (or <c>Trainable = false</c>) then normalizes with these. Momentum is Keras's (weight
/// of the old value): PyTorch's 0.1 is 0.9 here.</para>
/// <para>Differences from the references: gamma starts at 1 (PyTorch), not uniform(0, 1) as in the
/// Torch7 code; <c>center</c> and <c>scale</c> default to true (Keras style) where PyTorch's
/// <c>affine</c> defaults to false. Rank 2 input (no spatial axis) is rejected at build, and a
/// spatial size of 1 is rejected whenever the instance statistics are used (their variance would
/// be 0 and the output constant; PyTorch raises the same in training).</para>
/// </remarks>
/// <example><code>var norm = new InstanceNormalization(trackRunningStats: true, momentum: 0.9);</code></example>
public sealed class InstanceNormalization : AffineNormalizationLayer
{
    private int axis, channels, rank;

    /// <summary>Creates the layer.</summary>
    /// <param name="axis">The feature (channel) axis; -1 (default) is the last, channels-last.</param>
    /// <param name="epsilon">Added to the variance before the square root (default 1e-3).</param>
    /// <param name="center">Whether to add the learned offset beta.</param>
    /// <param name="scale">Whether to multiply by the learned scale gamma.</param>
    /// <param name="trackRunningStats">Keep moving statistics and use them at inference (PyTorch's track_running_stats; default false).</param>
    /// <param name="momentum">Weight of the old value in the moving statistics when tracked (default 0.99).</param>
    /// <param name="betaInitializer">Initializer of beta (default "zeros").</param>
    /// <param name="gammaInitializer">Initializer of gamma (default "ones").</param>
    /// <param name="trainable">False freezes the layer's weights (and puts normalization layers in inference mode, as Keras 3).</param>
    /// <param name="inputShape">Optional input shape without the batch dimension, for the first layer of a model.</param>
    /// <param name="name">Optional layer name; a unique one from the class name when null.</param>
    public InstanceNormalization(int axis = -1, double epsilon = 1e-3, bool center = true, bool scale = true,
        bool trackRunningStats = false, double momentum = 0.99,
        Initializer? betaInitializer = null, Initializer? gammaInitializer = null,
        bool trainable = true, int[]? inputShape = null, string? name = null)
        : base(epsilon, center, scale, GammaAndBeta.WithDefaults(betaInitializer, gammaInitializer, null, null, null, null),
            trainable, inputShape, name)
    {
        Momentum = CheckedMomentum(momentum);
        Axis = axis;
        TrackRunningStats = trackRunningStats;
    }

    /// <summary>The channel axis (as given).</summary>
    public int Axis { get; }
    /// <summary>Whether running statistics are kept and used at inference.</summary>
    public bool TrackRunningStats { get; }
    /// <summary>Weight of the old value in the running statistics.</summary>
    public double Momentum { get; }
    /// <summary>Running mean of the instance means (trackRunningStats only).</summary>
    public Tensor? MovingMean { get; private set; }
    /// <summary>Running mean of the unbiased instance variances (trackRunningStats only).</summary>
    public Tensor? MovingVariance { get; private set; }

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        rank = inputShape.Length;
        if (rank < 3)
            throw new ArgumentException($"{Describe()}: expected input of rank >= 3 (batch, spatial..., channels); instance statistics are undefined without a spatial axis. Received input shape {Shapes.Format(inputShape)}.");
        axis = NormViews.ResolveFeatureAxis(Describe(), Axis, inputShape);
        channels = inputShape[axis];
        AddGammaAndBeta([channels]);
        if (TrackRunningStats)
        {
            MovingMean = AddWeight("moving_mean", [channels], "zeros", trainable: false);
            MovingVariance = AddWeight("moving_variance", [channels], "ones", trainable: false);
        }
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        NormViews.CheckInput(Name, x, rank, axis, channels);
        int N = x.Dims[0], O = NormViews.Prod(x.Dims, 1, axis), C = channels, I = NormViews.Prod(x.Dims, axis + 1, rank);
        long spatial = (long)O * I;
        bool useRunning = TrackRunningStats && !(training && Trainable);
        if (useRunning)
            return NormViews.WithMovingStatistics(x, N * O, C, I, MovingMean!, MovingVariance!, Epsilon, Gamma, Beta);
        bool track = TrackRunningStats && training && Trainable;
        if (track) NormViews.RejectEmptyBatch(Describe(), x);
        if (spatial <= 1)
            throw new InvalidOperationException($"{Describe()}: expected more than 1 spatial element per channel, received input shape {Shapes.Format(x.Dims)}: the instance variance would be 0 and the output would not depend on the input.");
        var mean = new double[N * C]; var variance = new double[N * C];
        Moments.Compute(x.Data, N, O, C, I, mean, variance);
        var y = Ops.ChannelNorm(x, N, O, C, I, C, mean, NormViews.InvStd(variance, Epsilon), Gamma, Beta, batchStats: true);
        if (track)
        {
            double bessel = spatial / (spatial - 1.0);
            var means = new double[C]; var variances = new double[C];
            for (int c = 0; c < C; c++)
            {
                for (int n = 0; n < N; n++) { means[c] += mean[n * C + c]; variances[c] += variance[n * C + c]; }
                means[c] /= N; variances[c] = variances[c] / N * bessel;
            }
            MovingAverage.RequireFinite(Describe(), C, means, variances);
            MovingAverage.Update(MovingMean!, means, Momentum);
            MovingAverage.Update(MovingVariance!, variances, Momentum);
        }
        return y;
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => (int[])inputShape.Clone();

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = Axis;
        config["track_running_stats"] = TrackRunningStats;
        config["momentum"] = Momentum;
        return config;
    }

    internal static InstanceNormalization FromConfig(JsonObject c) => new(
        c.GetInt("axis", -1), c.GetDouble("epsilon", 1e-3), c.GetBool("center", true), c.GetBool("scale", true),
        c.GetBool("track_running_stats", false), c.GetDouble("momentum", 0.99),
        BatchNormalization.OptInit(c["beta_initializer"]), BatchNormalization.OptInit(c["gamma_initializer"]),
        c.GetBool("trainable", true), name: c.GetString("name"));
}

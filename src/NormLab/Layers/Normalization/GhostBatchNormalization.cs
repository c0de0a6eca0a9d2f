using System.Text.Json.Nodes;
using NormLab.Distributed;
using NormLab.Initializers;
using NormLab.Kernels;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Ghost (virtual) batch normalization (Hoffer et al. 2017), as Keras's
/// <c>BatchNormalization(virtual_batch_size=...)</c>: in training the batch is cut into consecutive
/// sub-batches of <c>virtualBatchSize</c> samples, each normalized with its own batch statistics
/// (biased variance) and the shared gamma and beta.
/// </summary>
/// <remarks>
/// <para>Weights, in order: <c>gamma</c>, <c>beta</c> (when <c>scale</c>/<c>center</c>),
/// <c>moving_mean</c>, <c>moving_variance</c>, all per channel (as BatchNormalization).</para>
/// <para>Moving statistics (Keras's rule): once per training call, with the <b>average</b> over the
/// ghost batches of their means and of their biased variances:
/// <c>moving = moving * momentum + avg * (1 - momentum)</c>. The bigBatch reference instead updates
/// sequentially once per ghost batch; with the same momentum the two differ slightly.</para>
/// <para>Inference (or <c>Trainable = false</c>): the moving statistics, for a batch of any size.
/// In training the batch size must be a multiple of <c>virtualBatchSize</c> (as Keras); otherwise
/// <see cref="InvalidOperationException"/> names both sizes (no silent remainder batch).</para>
/// <para><b>Distributed training: ghost statistics stay local.</b> Ghost batch normalization is local by
/// design: its virtual batches are per replica (a ghost batch never spans two ranks), so the batch statistics
/// used to normalize, and their gradients, are never synchronized, whatever the option below. With
/// <c>synchronized: true</c>, inside <c>Fit(..., distributed: true)</c> under <c>mpirun</c>, only the
/// <b>moving statistics</b> are averaged across replicas: the per-channel sums of the ghost batches' means and
/// variances and their number are allreduced (one call), so the moving averages are those of every ghost
/// batch of the global batch and stay identical on every rank. When each rank's shard is a multiple of
/// <c>virtualBatchSize</c>, this is exactly what one process does with the whole global batch. With
/// <c>false</c>, each rank's moving statistics follow its own ghost batches and drift apart.</para>
/// </remarks>
/// <example><code>var gbn = new GhostBatchNormalization(virtualBatchSize: 32);</code></example>
public sealed class GhostBatchNormalization : AffineNormalizationLayer
{
    private int axis, channels, rank;

    /// <summary>Creates the layer.</summary>
    /// <param name="virtualBatchSize">The size of each ghost batch; the training batch must be a multiple of it.</param>
    /// <param name="axis">The feature (channel) axis; -1 (default) is the last, channels-last.</param>
    /// <param name="momentum">Weight of the old value in the moving statistics (default 0.99).</param>
    /// <param name="epsilon">Added to the variance before the square root (default 1e-3).</param>
    /// <param name="center">Whether to add the learned offset beta.</param>
    /// <param name="scale">Whether to multiply by the learned scale gamma.</param>
    /// <param name="betaInitializer">Initializer of beta (default "zeros").</param>
    /// <param name="gammaInitializer">Initializer of gamma (default "ones").</param>
    /// <param name="synchronized">Average the moving-statistic updates over every replica in data-parallel training.</param>
    /// <param name="trainable">False freezes the layer's weights (and puts normalization layers in inference mode, as Keras 3).</param>
    /// <param name="inputShape">Optional input shape without the batch dimension, for the first layer of a model.</param>
    /// <param name="name">Optional layer name; a unique one from the class name when null.</param>
    /// <exception cref="ArgumentException">When <paramref name="virtualBatchSize"/> is below 1, <paramref name="epsilon"/> is not positive and finite, or <paramref name="momentum"/> is outside [0, 1].</exception>
    public GhostBatchNormalization(int virtualBatchSize, int axis = -1, double momentum = 0.99, double epsilon = 1e-3,
        bool center = true, bool scale = true, Initializer? betaInitializer = null, Initializer? gammaInitializer = null,
        bool synchronized = false, bool trainable = true, int[]? inputShape = null, string? name = null)
        : base(epsilon, center, scale, GammaAndBeta.WithDefaults(betaInitializer, gammaInitializer, null, null, null, null),
            trainable, inputShape, name)
    {
        if (virtualBatchSize < 1)
            throw new ArgumentException($"{Describe()}: virtualBatchSize must be a positive integer. Received: virtualBatchSize={virtualBatchSize}");
        Momentum = CheckedMomentum(momentum);
        VirtualBatchSize = virtualBatchSize;
        Axis = axis;
        Synchronized = synchronized;
    }

    /// <summary>Samples per ghost batch.</summary>
    public int VirtualBatchSize { get; }
    /// <summary>The channel axis (as given).</summary>
    public int Axis { get; }
    /// <summary>Weight of the old value in the moving averages.</summary>
    public double Momentum { get; }
    /// <summary>Whether distributed training averages the moving statistics across replicas (the ghost batches stay local; see the remarks).</summary>
    public bool Synchronized { get; }
    /// <summary>The moving mean.</summary>
    public Tensor? MovingMean { get; private set; }
    /// <summary>The moving (biased) variance.</summary>
    public Tensor? MovingVariance { get; private set; }

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        rank = inputShape.Length;
        if (rank < 2)
            throw new ArgumentException($"{Describe()}: expected input of rank >= 2 (batch, ..., channels). Received input shape {Shapes.Format(inputShape)}.");
        axis = NormViews.ResolveFeatureAxis(Describe(), Axis, inputShape);
        channels = inputShape[axis];
        AddGammaAndBeta([channels]);
        MovingMean = AddWeight("moving_mean", [channels], "zeros", trainable: false);
        MovingVariance = AddWeight("moving_variance", [channels], "ones", trainable: false);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        NormViews.CheckInput(Name, x, rank, axis, channels);
        int N = x.Dims[0], O = NormViews.Prod(x.Dims, 1, axis), C = channels, I = NormViews.Prod(x.Dims, axis + 1, rank);
        if (!(training && Trainable))
            return NormViews.WithMovingStatistics(x, N * O, C, I, MovingMean!, MovingVariance!, Epsilon, Gamma, Beta);
        NormViews.RejectEmptyBatch(Describe(), x);
        if (N % VirtualBatchSize != 0)
            throw new InvalidOperationException($"{Describe()}: the batch size ({N}) must be a multiple of virtualBatchSize ({VirtualBatchSize}) in training. Received input shape {Shapes.Format(x.Dims)}.");
        int V = N / VirtualBatchSize, rows = VirtualBatchSize * O;
        if ((long)rows * I <= 1)
            throw new InvalidOperationException($"{Describe()}: cannot train with one value per channel in a ghost batch (virtualBatchSize {VirtualBatchSize}, input shape {Shapes.Format(x.Dims)}): the variance would be 0.");
        // The batch axis is outermost, so ghost batch v is the view [v, rows, C, I].
        var mean = new double[V * C]; var variance = new double[V * C];
        Moments.Compute(x.Data, V, rows, C, I, mean, variance);
        var y = Ops.ChannelNorm(x, V, rows, C, I, C, mean, NormViews.InvStd(variance, Epsilon), Gamma, Beta, batchStats: true);
        // Sums over the ghost batches: [count, sum of means (C), sum of variances (C)].
        var sums = new double[1 + 2 * C];
        sums[0] = V;
        for (int c = 0; c < C; c++)
            for (int g = 0; g < V; g++) { sums[1 + c] += mean[g * C + c]; sums[1 + C + c] += variance[g * C + c]; }
        if (Synchronized && SyncBatchStatistics.Current is { } sync) sync.Communicator.AllreduceSum(sums);
        var means = new double[C]; var variances = new double[C];
        for (int c = 0; c < C; c++) { means[c] = sums[1 + c] / sums[0]; variances[c] = sums[1 + C + c] / sums[0]; }
        MovingAverage.RequireFinite(Describe(), C, means, variances);
        MovingAverage.Update(MovingMean!, means, Momentum);
        MovingAverage.Update(MovingVariance!, variances, Momentum);
        return y;
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => (int[])inputShape.Clone();

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["virtual_batch_size"] = VirtualBatchSize;
        config["axis"] = Axis;
        config["momentum"] = Momentum;
        config["synchronized"] = Synchronized;
        return config;
    }

    internal static GhostBatchNormalization FromConfig(JsonObject c) => new(
        c.GetInt("virtual_batch_size", 1), c.GetInt("axis", -1), c.GetDouble("momentum", 0.99), c.GetDouble("epsilon", 1e-3),
        c.GetBool("center", true), c.GetBool("scale", true),
        BatchNormalization.OptInit(c["beta_initializer"]), BatchNormalization.OptInit(c["gamma_initializer"]),
        c.GetBool("synchronized", false), c.GetBool("trainable", true), name: c.GetString("name"));
}

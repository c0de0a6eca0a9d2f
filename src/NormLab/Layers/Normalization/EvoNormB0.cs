using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// EvoNorm-B0 (Liu et al. 2020), channels last, as the tensorflow/tpu reference:
/// <c>y = x / max(sqrt(var_batch + eps), v * x + sqrt(var_instance + eps)) * gamma + beta</c>.
/// </summary>
/// <remarks>
/// <para><c>var_batch</c> is the biased variance over the batch and spatial axes per channel in
/// training (gradients flow through it); inference (or <c>Trainable = false</c>) uses
/// <c>moving_variance</c> instead. <c>var_instance</c> is the biased variance over the spatial axes
/// per sample and channel, always from the sample.</para>
/// <para>Moving variance: <c>moving = moving * momentum + var_batch * (1 - momentum)</c>,
/// initialized to ones, biased, default momentum 0.9 and epsilon 1e-5 (the TF reference's decay
/// and epsilon; timm's port uses eps 1e-3 and a Bessel-corrected variance).</para>
/// <para>Weights, in order: <c>gamma</c> (ones, or zeros with <c>initZero</c>), <c>beta</c>
/// (zeros), <c>v</c> (ones), then the non-trainable <c>moving_variance</c> (ones); all per channel.</para>
/// <para>Input rank 3 or more (batch, spatial..., channels) with more than one spatial element:
/// the instance variance needs a spatial extent. Training also needs more than one value per
/// channel in the batch.</para>
/// </remarks>
/// <example><code>var evo = new EvoNormB0(momentum: 0.9);</code></example>
public sealed class EvoNormB0 : NormalizationLayer
{
    private int channels, rank;

    /// <summary>Creates the layer.</summary>
    /// <param name="momentum">Weight of the old value in the moving variance (default 0.9).</param>
    /// <param name="epsilon">Added to the variances before the square root (default 1e-5).</param>
    /// <param name="initZero">Start gamma at zero instead of one (for the last layer of a residual branch).</param>
    /// <param name="trainable">False freezes the layer's weights (and puts normalization layers in inference mode, as Keras 3).</param>
    /// <param name="inputShape">Optional input shape without the batch dimension, for the first layer of a model.</param>
    /// <param name="name">Optional layer name; a unique one from the class name when null.</param>
    public EvoNormB0(double momentum = 0.9, double epsilon = 1e-5, bool initZero = false,
        bool trainable = true, int[]? inputShape = null, string? name = null)
        : base(epsilon, trainable, inputShape, name)
    {
        Momentum = CheckedMomentum(momentum);
        InitZero = initZero;
    }

    /// <summary>Weight of the old value in the moving variance.</summary>
    public double Momentum { get; }
    /// <summary>Whether gamma starts at 0 (last norm of a residual block).</summary>
    public bool InitZero { get; }
    /// <summary>gamma, per channel.</summary>
    public Tensor? Gamma { get; private set; }
    /// <summary>beta, per channel.</summary>
    public Tensor? Beta { get; private set; }
    /// <summary>v, the learned weight of x in the denominator.</summary>
    public Tensor? V { get; private set; }
    /// <summary>The moving batch variance.</summary>
    public Tensor? MovingVariance { get; private set; }

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        rank = inputShape.Length;
        if (rank < 3)
            throw new ArgumentException($"{Describe()}: expected input of rank >= 3 (batch, spatial..., channels); the instance variance is undefined without a spatial axis. Received input shape {Shapes.Format(inputShape)}.");
        if (NormViews.Prod(inputShape, 1, rank - 1) <= 1)
            throw new ArgumentException($"{Describe()}: the spatial size is 1 in input shape {Shapes.Format(inputShape)}; the instance variance would be 0 for every sample.");
        NormViews.RequireExtent(Describe(), inputShape, rank - 1);
        channels = inputShape[^1];
        Gamma = AddWeight("gamma", [channels], InitZero ? "zeros" : "ones");
        Beta = AddWeight("beta", [channels], "zeros");
        V = AddWeight("v", [channels], "ones");
        MovingVariance = AddWeight("moving_variance", [channels], "ones", trainable: false);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        NormViews.CheckInput(Name, x, rank, rank - 1, channels);
        var spatial = Enumerable.Range(1, rank - 2).ToArray();
        Tensor batchVar;
        if (training && Trainable)
        {
            NormViews.RejectEmptyBatch(Describe(), x);
            if ((long)x.Size / channels <= 1)
                throw new InvalidOperationException($"{Describe()}: cannot train with one value per channel (input shape {Shapes.Format(x.Dims)}).");
            batchVar = Variance(x, Enumerable.Range(0, rank - 1).ToArray());
            var variances = NormViews.ToDouble(batchVar.Data);
            MovingAverage.RequireFinite(Describe(), channels, variances);
            MovingAverage.Update(MovingVariance!, variances, Momentum);
        }
        else batchVar = MovingVariance!.Detach();
        var batchStd = Ops.Sqrt(Ops.Affine(batchVar, 1, Epsilon));
        var instStd = Ops.Sqrt(Ops.Affine(Variance(x, spatial), 1, Epsilon));
        var right = Ops.Add(Ops.Mul(V!, x), instStd);
        // max(a, b) = a + relu(b - a), anchored at a = batchStd > 0: with b far below a the sum is a exactly
        // (b + relu(a - b) would cancel b against a - b and give 0 once |b| dwarfs a).
        var denom = Ops.Add(batchStd, Ops.Relu(Ops.Sub(right, batchStd)));
        return Ops.Add(Ops.Mul(Ops.Div(x, denom), Gamma!), Beta!);
    }

    /// <summary>Biased variance over <paramref name="axes"/>, kept dims, differentiable (the moments kernel: sums
    /// merged in double, so a variance of 1e36 over many values does not overflow on the way).</summary>
    internal static Tensor Variance(Tensor x, int[] axes) => Ops.Moments(x, axes, keepDims: true).Variance;

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => (int[])inputShape.Clone();

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["momentum"] = Momentum;
        config["init_zero"] = InitZero;
        return config;
    }

    internal static EvoNormB0 FromConfig(JsonObject c) => new(
        c.GetDouble("momentum", 0.9), c.GetDouble("epsilon", 1e-5), c.GetBool("init_zero", false),
        c.GetBool("trainable", true), name: c.GetString("name"));
}

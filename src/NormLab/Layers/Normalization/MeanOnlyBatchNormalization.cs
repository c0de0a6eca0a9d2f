using System.Text.Json.Nodes;
using NormLab.Kernels;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Mean-only batch normalization (Salimans and Kingma 2016), the companion of
/// <see cref="WeightNormalization"/>: <c>y = x - mean + beta</c> per feature, no division by the standard deviation.
/// </summary>
/// <remarks>
/// <para>Training (<c>training: true</c> and <see cref="Layer.Trainable"/>): the batch mean over every axis but
/// the feature axis, with gradient (<c>dx = dy - mean(dy)</c>), and
/// <c>moving_mean = moving_mean * momentum + mean * (1 - momentum)</c>. Inference (or <c>Trainable = false</c>):
/// the moving mean, <c>dx = dy</c>. The reference (Lasagne <c>MeanOnlyBNLayer</c>) uses 0.9/0.1, which is
/// momentum 0.9 here; the default is Keras's 0.99.</para>
/// <para>Not done: the reference's init pass also divides the layer below's g by the batch standard deviation;
/// here that is <see cref="WeightNormalization"/>'s data-dependent initialization.</para>
/// <para>Weights, in order: beta (C), moving_mean (C).</para>
/// </remarks>
/// <example><code>var model = new Sequential([new WeightNormalization(new Dense(64)), new MeanOnlyBatchNormalization()]);</code></example>
public sealed class MeanOnlyBatchNormalization : Layer
{
    private int axis, rank;

    /// <summary>Creates the layer.</summary>
    /// <param name="axis">The feature axis.</param>
    /// <param name="momentum">Weight of the old value in the moving mean, in [0, 1].</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">The layer's name.</param>
    public MeanOnlyBatchNormalization(int axis = -1, double momentum = 0.99, int[]? inputShape = null, string? name = null)
        : base(name, inputShape)
    {
        NormChecks.Momentum(Describe(), momentum);
        Axis = axis;
        Momentum = momentum;
    }

    /// <summary>The feature axis (as given).</summary>
    public int Axis { get; }
    /// <summary>Weight of the old value in the moving mean.</summary>
    public double Momentum { get; }
    /// <summary>beta (null before build).</summary>
    public Tensor? Beta { get; private set; }
    /// <summary>The moving mean (null before build).</summary>
    public Tensor? MovingMean { get; private set; }

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        rank = inputShape.Length;
        if (rank < 2)
            throw new ArgumentException($"{Describe()}: expected input of rank >= 2 (batch, ..., features), received shape {Shapes.Format(inputShape)}.");
        axis = NormViews.ResolveAxis(Describe(), Axis, inputShape);
        Beta = AddWeight("beta", [inputShape[axis]], "zeros");
        MovingMean = AddWeight("moving_mean", [inputShape[axis]], "zeros", trainable: false);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        NormViews.CheckInput(Name, x, rank, axis, Beta!.Size);
        int O = NormViews.Prod(x.Dims, 0, axis), C = x.Dims[axis], I = NormViews.Prod(x.Dims, axis + 1, rank);
        if (!(training && Trainable))
            return Ops.MeanOnlyNorm(x, O, C, I, NormViews.ToDouble(MovingMean!.Data), Beta, batchStats: false);
        NormViews.RejectEmptyBatch(Describe(), x);
        var mean = new double[C]; var variance = new double[C];
        Moments.Compute(x.Data, 1, O, C, I, mean, variance);
        MovingAverage.RequireFinite(Describe(), C, mean);
        var y = Ops.MeanOnlyNorm(x, O, C, I, mean, Beta, batchStats: true);
        MovingAverage.Update(MovingMean!, mean, Momentum);
        return y;
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => (int[])inputShape.Clone();

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = Axis;
        config["momentum"] = Momentum;
        return config;
    }

    internal static MeanOnlyBatchNormalization FromConfig(JsonObject c) =>
        new(c.GetInt("axis", -1), c.GetDouble("momentum", 0.99), name: c.GetString("name"));
}

using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// EvoNorm-S0 (Liu et al. 2020), channels last, as the tensorflow/tpu reference:
/// <c>y = x * sigmoid(v * x) / sqrt(group_var(x) + eps) * gamma + beta</c>, with the biased
/// variance over each group of <c>channels / groups</c> channels and all spatial positions.
/// </summary>
/// <remarks>
/// <para>Groups: 32 by default (the paper's). As in the reference, when the channel count is not
/// divisible the group count is decremented until it divides it (C = 20 with groups 8 gives 5
/// groups); <see cref="Groups"/> holds the value used after build.</para>
/// <para>Weights, in order: <c>gamma</c> (ones, or zeros with <c>initZero</c>), <c>beta</c>
/// (zeros), <c>v</c> (ones); all per channel. No running statistics: training and inference are
/// the same.</para>
/// <para>Input rank 2 (batch, channels), 3 or 4 (NHWC); each group must hold more than one value
/// (otherwise its variance is 0 by definition and the build throws).</para>
/// </remarks>
/// <example><code>var evo = new EvoNormS0(groups: 8);</code></example>
public sealed class EvoNormS0 : NormalizationLayer
{
    private int channels, rank;

    /// <summary>Creates the layer.</summary>
    /// <param name="groups">Channel groups for the group standard deviation (default 32); must divide the channels.</param>
    /// <param name="epsilon">Added to the variance before the square root (default 1e-5).</param>
    /// <param name="initZero">Start gamma at zero instead of one.</param>
    /// <param name="trainable">False freezes the layer's weights (and puts normalization layers in inference mode, as Keras 3).</param>
    /// <param name="inputShape">Optional input shape without the batch dimension, for the first layer of a model.</param>
    /// <param name="name">Optional layer name; a unique one from the class name when null.</param>
    /// <exception cref="ArgumentException">When <paramref name="groups"/> is below 1 or <paramref name="epsilon"/> is not positive and finite.</exception>
    public EvoNormS0(int groups = 32, double epsilon = 1e-5, bool initZero = false,
        bool trainable = true, int[]? inputShape = null, string? name = null)
        : base(epsilon, trainable, inputShape, name)
    {
        if (groups < 1)
            throw new ArgumentException($"{Describe()}: groups must be a positive integer. Received: groups={groups}");
        Groups = groups;
        InitZero = initZero;
    }

    /// <summary>The number of groups (as given until build, then the one used).</summary>
    public int Groups { get; private set; }
    /// <summary>Whether gamma starts at 0.</summary>
    public bool InitZero { get; }
    /// <summary>gamma, per channel.</summary>
    public Tensor? Gamma { get; private set; }
    /// <summary>beta, per channel.</summary>
    public Tensor? Beta { get; private set; }
    /// <summary>v, the sigmoid gate's weight.</summary>
    public Tensor? V { get; private set; }

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        rank = inputShape.Length;
        if (rank < 2 || rank > 4)
            throw new ArgumentException($"{Describe()}: expected input of rank 2, 3 or 4 (batch, [spatial...], channels). Received input shape {Shapes.Format(inputShape)}.");
        NormViews.RequireExtent(Describe(), inputShape, rank - 1);
        channels = inputShape[^1];
        int g = Math.Min(Groups, channels);
        while (channels % g != 0) g--;
        long perGroup = (long)NormViews.Prod(inputShape, 1, rank - 1) * (channels / g);
        if (perGroup <= 1)
            throw new ArgumentException($"{Describe()}: each of the {g} groups holds a single value for input shape {Shapes.Format(inputShape)} (groups={Groups}); its variance would be 0. Use fewer groups or an input with a spatial extent.");
        Groups = g;
        Gamma = AddWeight("gamma", [channels], InitZero ? "zeros" : "ones");
        Beta = AddWeight("beta", [channels], "zeros");
        V = AddWeight("v", [channels], "ones");
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        NormViews.CheckInput(Name, x, rank, rank - 1, channels);
        int n = x.Dims[0], s = NormViews.Prod(x.Dims, 1, rank - 1), G = Groups;
        var grouped = Ops.Reshape(x, n, s, G, channels / G);
        var std = Ops.Sqrt(Ops.Affine(EvoNormB0.Variance(grouped, [1, 3]), 1, Epsilon));
        var gated = Ops.Reshape(Ops.Mul(x, Ops.Sigmoid(Ops.Mul(V!, x))), n, s, G, channels / G);
        var normalized = Ops.Reshape(Ops.Div(gated, std), x.Shape);
        return Ops.Add(Ops.Mul(normalized, Gamma!), Beta!);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => (int[])inputShape.Clone();

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["groups"] = Groups;
        config["init_zero"] = InitZero;
        return config;
    }

    internal static EvoNormS0 FromConfig(JsonObject c) => new(
        c.GetInt("groups", 32), c.GetDouble("epsilon", 1e-5), c.GetBool("init_zero", false),
        c.GetBool("trainable", true), name: c.GetString("name"));
}

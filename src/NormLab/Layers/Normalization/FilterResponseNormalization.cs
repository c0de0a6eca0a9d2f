using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Filter Response Normalization (Singh and Krishnan 2020), channels last, with its thresholded
/// linear unit: <c>nu2 = mean(x², spatial axes)</c> per sample and channel (no mean subtraction),
/// <c>y = max(gamma * x * rsqrt(nu2 + eps) + beta, tau)</c>.
/// </summary>
/// <remarks>
/// <para>Weights, in order: <c>gamma</c> (ones), <c>beta</c> (zeros), <c>tau</c> (zeros, only
/// when <c>useTlu</c>), <c>epsilon_l</c> (only when <c>learnedEpsilon</c>), all per channel.</para>
/// <para><c>useTlu</c> (default true) applies the TLU inside the layer, as the paper's code and
/// TensorFlow Addons do; with <c>useTlu: false</c> the layer is the bare normalization, and
/// <see cref="TLU"/> can follow it (or any other norm) as a separate layer.</para>
/// <para><c>learnedEpsilon</c>: <c>eps = epsilon + |epsilon_l|</c>, <c>epsilon_l</c> initialized
/// to 1e-4 (the paper's value as the specification reports it, marked unverified). The paper
/// recommends it for inputs without spatial extent, where <c>x * rsqrt(x² + eps)</c> is about sign(x).</para>
/// <para>Input rank 2 (batch, channels: nu2 is x² itself), 3 (batch, length, channels) or 4 (NHWC).
/// Same in training and inference (no batch statistics).</para>
/// </remarks>
/// <example><code>var frn = new FilterResponseNormalization(learnedEpsilon: true);</code></example>
public sealed class FilterResponseNormalization : Layer
{
    private int channels, rank;

    /// <summary>Creates the layer.</summary>
    /// <param name="epsilon">Added to the mean square (default 1e-6).</param>
    /// <param name="learnedEpsilon">Learn a non-negative addition to epsilon per layer (the paper's learned epsilon).</param>
    /// <param name="useTlu">Apply the thresholded linear unit after the affine (default true).</param>
    /// <param name="trainable">False freezes the layer's weights (and puts normalization layers in inference mode, as Keras 3).</param>
    /// <param name="inputShape">Optional input shape without the batch dimension, for the first layer of a model.</param>
    /// <param name="name">Optional layer name; a unique one from the class name when null.</param>
    /// <exception cref="ArgumentException">When <paramref name="epsilon"/> is negative, NaN or infinite, or is 0 without <paramref name="learnedEpsilon"/>.</exception>
    public FilterResponseNormalization(double epsilon = 1e-6, bool learnedEpsilon = false, bool useTlu = true,
        bool trainable = true, int[]? inputShape = null, string? name = null)
        : base(name, inputShape)
    {
        if (!(epsilon >= 0) || double.IsInfinity(epsilon))
            throw new ArgumentException($"{Describe()}: epsilon must be a finite non-negative number. Received: epsilon={epsilon}");
        if (epsilon == 0 && !learnedEpsilon)
            throw new ArgumentException($"{Describe()}: epsilon=0 without learnedEpsilon divides by zero for an all-zero channel. Received: epsilon={epsilon}, learnedEpsilon=false");
        Epsilon = epsilon;
        LearnedEpsilon = learnedEpsilon;
        UseTlu = useTlu;
        Trainable = trainable;
    }

    /// <summary>The fixed epsilon (added to |epsilon_l| when learned).</summary>
    public double Epsilon { get; }
    /// <summary>Whether epsilon_l is learned.</summary>
    public bool LearnedEpsilon { get; }
    /// <summary>Whether the TLU max(y, tau) is applied.</summary>
    public bool UseTlu { get; }
    /// <summary>gamma, per channel.</summary>
    public Tensor? Gamma { get; private set; }
    /// <summary>beta, per channel.</summary>
    public Tensor? Beta { get; private set; }
    /// <summary>tau, the TLU threshold (null without useTlu).</summary>
    public Tensor? Tau { get; private set; }
    /// <summary>The learned part of epsilon (null without learnedEpsilon).</summary>
    public Tensor? EpsilonL { get; private set; }

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        rank = inputShape.Length;
        if (rank < 2 || rank > 4)
            throw new ArgumentException($"{Describe()}: expected input of rank 2, 3 or 4 (batch, [spatial...], channels). Received input shape {Shapes.Format(inputShape)}.");
        NormViews.RequireExtent(Describe(), inputShape, rank - 1);
        channels = inputShape[^1];
        Gamma = AddWeight("gamma", [channels], "ones");
        Beta = AddWeight("beta", [channels], "zeros");
        if (UseTlu) Tau = AddWeight("tau", [channels], "zeros");
        if (LearnedEpsilon) EpsilonL = AddWeight("epsilon_l", [channels], new Initializers.Constant(1e-4));
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        NormViews.CheckInput(Name, x, rank, rank - 1, channels);
        var eps = LearnedEpsilon ? Ops.Affine(Ops.Abs(EpsilonL!), 1, Epsilon) : null;
        var normalized = Normalize(x, eps, out var nu2);
        // Inputs beyond ~1.8e19 overflow the mean square: those rows again, scaled down exactly (their
        // epsilon with them, so that it keeps its relative weight).
        var scale = OverflowRescale.Scale(nu2);
        if (scale != null)
            normalized = Normalize(Ops.Mul(x, scale), Ops.Mul(eps ?? Tensor.Scalar((float)Epsilon), Ops.Square(scale)), out _);
        var y = Ops.Add(Ops.Mul(normalized, Gamma!), Beta!);
        return UseTlu ? TLU.Apply(y, Tau!) : y;
    }

    /// <summary>x / sqrt(nu2 + eps), nu2 the mean square over the spatial axes; a null eps is <see cref="Epsilon"/>.</summary>
    private Tensor Normalize(Tensor x, Tensor? eps, out Tensor nu2)
    {
        var sq = Ops.Square(x);
        nu2 = rank == 2 ? sq : Ops.Mean(sq, Enumerable.Range(1, rank - 2).ToArray(), keepDims: true);
        return Ops.Div(x, Ops.Sqrt(eps == null ? Ops.Affine(nu2, 1, Epsilon) : Ops.Add(nu2, eps)));
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => (int[])inputShape.Clone();

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["epsilon"] = Epsilon;
        config["learned_epsilon"] = LearnedEpsilon;
        config["use_tlu"] = UseTlu;
        return config;
    }

    internal static FilterResponseNormalization FromConfig(JsonObject c) => new(
        c.GetDouble("epsilon", 1e-6), c.GetBool("learned_epsilon", false), c.GetBool("use_tlu", true),
        c.GetBool("trainable", true), name: c.GetString("name"));
}

using System.Text.Json.Nodes;
using NormLab.Initializers;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Dynamic Tanh (DyT; Zhu, Chen, He, LeCun, Liu, "Transformers without Normalization", CVPR 2025):
/// <c>y = weight * tanh(alpha * x) + bias</c> over the last axis, a drop-in replacement for
/// <c>LayerNormalization</c> that computes no statistics. Same in training and inference.
/// </summary>
/// <remarks>Weights, in order: <c>alpha</c> (one scalar, shape (1), initialized to <see cref="AlphaInit"/>),
/// <c>weight</c> (ones) and <c>bias</c> (zeros), both of the last axis's size, as the paper's
/// <c>dynamic_tanh.py</c>.</remarks>
/// <example><code>var block = new Sequential([new Dense(64, inputShape: [16, 32]), new DynamicTanh(alphaInit: 0.5)]);</code></example>
public sealed class DynamicTanh : Layer
{
    /// <inheritdoc/>
    public override bool SupportsMasking => true;

    private int features;

    /// <summary>Creates the layer.</summary>
    /// <param name="alphaInit">The initial steepness alpha (the paper's <c>alpha_init_value</c>, 0.5); finite and non-zero.</param>
    /// <param name="trainable">Whether alpha, weight and bias are trained.</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">The layer's name; "dynamic_tanh", "dynamic_tanh_1", ... when omitted.</param>
    /// <exception cref="ArgumentException">When <paramref name="alphaInit"/> is zero or not finite.</exception>
    public DynamicTanh(double alphaInit = 0.5, bool trainable = true, int[]? inputShape = null, string? name = null)
        : base(name, inputShape)
    {
        if (!double.IsFinite(alphaInit) || alphaInit == 0)
            throw new ArgumentException($"{Describe()}: alphaInit must be finite and non-zero, received {alphaInit}.");
        AlphaInit = alphaInit;
        Trainable = trainable;
    }

    /// <summary>The initial value of alpha.</summary>
    public double AlphaInit { get; }
    /// <summary>The learned steepness (shape (1); null before build).</summary>
    public Tensor? Alpha { get; private set; }
    /// <summary>The learned per-feature scale (null before build).</summary>
    public Tensor? Weight { get; private set; }
    /// <summary>The learned per-feature shift (null before build).</summary>
    public Tensor? Bias { get; private set; }

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        RequireRank(inputShape, 2);
        features = inputShape[^1];
        if (features == 0)
            throw new ArgumentException($"{Describe()}: the last axis of the input has size 0 (shape {Shapes.Format(inputShape)}).");
        Alpha = AddWeight("alpha", [1], new Constant(AlphaInit));
        Weight = AddWeight("weight", [features], "ones");
        Bias = AddWeight("bias", [features], "zeros");
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        RequireRank(x, 2);
        RequireLastDim(x, features);
        return Ops.DynamicTanh(x, Alpha!, Weight!, Bias!);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 2);
        return (int[])inputShape.Clone();
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["alpha_init_value"] = AlphaInit;
        return config;
    }

    internal static DynamicTanh FromConfig(JsonObject c) =>
        new(c.GetDouble("alpha_init_value", 0.5), c.GetBool("trainable", true), name: c.GetString("name"));
}

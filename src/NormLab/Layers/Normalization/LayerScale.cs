using System.Text.Json.Nodes;
using NormLab.Initializers;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// LayerScale (Touvron et al. 2021, CaiT): <c>y = gamma * x</c> with a learned scale per channel (last
/// axis), initialized small so that a residual branch starts close to the identity: <c>x + LayerScale(f(x))</c>.
/// </summary>
/// <remarks>Weight: <c>gamma</c> (channels), initialized to <see cref="InitValue"/> (1e-5, as timm).</remarks>
/// <example><code>var branch = new LayerScale(initValue: 1e-5).Call(mlpOutput);</code></example>
public sealed class LayerScale : Layer
{
    /// <inheritdoc/>
    public override bool SupportsMasking => true;

    private int channels;

    /// <summary>Creates the layer.</summary>
    /// <param name="initValue">The initial value of every gamma (timm's <c>init_values</c>, 1e-5); finite.</param>
    /// <param name="trainable">Whether gamma is trained.</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">The layer's name; "layer_scale", ... when omitted.</param>
    /// <exception cref="ArgumentException">When <paramref name="initValue"/> is not finite.</exception>
    public LayerScale(double initValue = 1e-5, bool trainable = true, int[]? inputShape = null, string? name = null)
        : base(name, inputShape)
    {
        if (!double.IsFinite(initValue))
            throw new ArgumentException($"{Describe()}: initValue must be finite, received {initValue}.");
        InitValue = initValue;
        Trainable = trainable;
    }

    /// <summary>The initial value of gamma.</summary>
    public double InitValue { get; }
    /// <summary>The learned per-channel scale (null before build).</summary>
    public Tensor? Gamma { get; private set; }

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        RequireRank(inputShape, 2);
        channels = inputShape[^1];
        Gamma = AddWeight("gamma", [channels], new Constant(InitValue));
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        RequireRank(x, 2);
        RequireLastDim(x, channels);
        return Ops.Mul(x, Gamma!);
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
        config["init_values"] = InitValue;
        return config;
    }

    internal static LayerScale FromConfig(JsonObject c) =>
        new(c.GetDouble("init_values", 1e-5), c.GetBool("trainable", true), name: c.GetString("name"));
}

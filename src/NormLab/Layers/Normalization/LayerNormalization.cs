using System.Text.Json.Nodes;
using NormLab.Constraints;
using NormLab.Initializers;
using NormLab.Kernels;
using NormLab.Regularizers;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Keras's LayerNormalization: per sample, normalize over <c>axis</c> (an int or a list), then
/// scale by gamma and shift by beta, which span the normalized axes. Same in training and inference.
/// </summary>
/// <remarks>
/// The deprecated <c>rmsScaling: true</c> behaves exactly as Keras's: <c>y = x * rsqrt(var + eps) * gamma</c>
/// (the variance, not the mean square; no beta). Use <see cref="RMSNormalization"/> for real RMS normalization.
/// NaN or infinity in a sample makes that sample's output NaN; there is no state to corrupt.
/// </remarks>
/// <example><code>new LayerNormalization(axis: new[] { 1, 2 })</code></example>
public sealed class LayerNormalization : AffineNormalizationLayer
{
    /// <inheritdoc/>
    public override bool SupportsMasking => true;

    private readonly Axes axisArg;
    private int[]? axes;
    private int[]? builtDims;

    /// <summary>Creates the layer; arguments and defaults follow keras.layers.LayerNormalization.</summary>
    /// <param name="axis">The axes normalized over (default -1, the last).</param>
    /// <param name="epsilon">Added to the variance before the square root (default 1e-3).</param>
    /// <param name="center">Whether to add the learned offset beta.</param>
    /// <param name="scale">Whether to multiply by the learned scale gamma.</param>
    /// <param name="betaInitializer">Initializer of beta (default "zeros").</param>
    /// <param name="gammaInitializer">Initializer of gamma (default "ones").</param>
    /// <param name="betaRegularizer">Optional penalty on beta.</param>
    /// <param name="gammaRegularizer">Optional penalty on gamma.</param>
    /// <param name="betaConstraint">Optional constraint applied to beta after each update.</param>
    /// <param name="gammaConstraint">Optional constraint applied to gamma after each update.</param>
    /// <param name="rmsScaling">Keras 3's rms_scaling: divide by the root mean square without centering, scale only.</param>
    /// <param name="trainable">False freezes the layer's weights (and puts normalization layers in inference mode, as Keras 3).</param>
    /// <param name="inputShape">Optional input shape without the batch dimension, for the first layer of a model.</param>
    /// <param name="name">Optional layer name; a unique one from the class name when null.</param>
    /// <exception cref="ArgumentException">When <paramref name="axis"/> is none or <paramref name="epsilon"/> is not positive and finite.</exception>
    public LayerNormalization(Axes axis = default, double epsilon = 1e-3, bool center = true, bool scale = true,
        Initializer? betaInitializer = null, Initializer? gammaInitializer = null,
        Regularizer? betaRegularizer = null, Regularizer? gammaRegularizer = null,
        Constraint? betaConstraint = null, Constraint? gammaConstraint = null,
        bool rmsScaling = false, bool trainable = true, int[]? inputShape = null, string? name = null)
        : base(epsilon, center, scale,
            GammaAndBeta.WithDefaults(betaInitializer, gammaInitializer, betaRegularizer, gammaRegularizer, betaConstraint, gammaConstraint),
            trainable, inputShape, name)
    {
        axisArg = Axes.RequireNotNone(axis, Describe());
        RmsScaling = rmsScaling;
        if (rmsScaling)
            Console.Error.WriteLine("Warning: You passed `rms_scaling=True`, which is deprecated. This argument incorrectly scales the input by the variance, not the root mean square. To correctly use RMS Normalization, please use `keras.layers.RMSNormalization` instead.");
    }

    /// <summary>The normalized axes: as given before build, sorted and non-negative after.</summary>
    public int[] Axis => axes != null ? (int[])axes.Clone() : axisArg.Values;
    /// <summary>The deprecated Keras rms_scaling flag.</summary>
    public bool RmsScaling { get; }

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        axes = NormViews.CanonicalAxes(axisArg.Values, inputShape.Length, Describe());
        NormViews.RequireExtent(Describe(), inputShape, axes);
        builtDims = (int[])inputShape.Clone();
        AddGammaAndBeta(axes.Select(a => inputShape[a]).ToArray(), gammaAnyway: RmsScaling, noBeta: RmsScaling);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        NormViews.CheckInput(Name, x, axes!, builtDims!);
        return Ops.RowNormalize(x, axes!, Epsilon, Gamma, Beta, RmsScaling ? RowNormMode.VarianceScaling : RowNormMode.Center);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        NormViews.CanonicalAxes(axisArg.Values, inputShape.Length, Describe());
        return (int[])inputShape.Clone();
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = axes != null ? new JsonArray(axes.Select(a => (JsonNode)a).ToArray()) : axisArg.ToJson();
        config["rms_scaling"] = RmsScaling;
        return config;
    }

    internal static LayerNormalization FromConfig(JsonObject c) => FromConfig(c, GammaAndBeta.Read(c));

    private static LayerNormalization FromConfig(JsonObject c, GammaAndBeta a) => new(
        Axes.FromJson(c["axis"], nullIsNone: false), c.GetDouble("epsilon", 1e-3), c.GetBool("center", true), c.GetBool("scale", true),
        a.Beta.Initializer, a.Gamma.Initializer, a.Beta.Regularizer, a.Gamma.Regularizer, a.Beta.Constraint, a.Gamma.Constraint,
        c.GetBool("rms_scaling", false), c.GetBool("trainable", true), name: c.GetString("name"));
}

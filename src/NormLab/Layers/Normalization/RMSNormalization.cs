using System.Text.Json.Nodes;
using NormLab.Initializers;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Keras's RMSNormalization: <c>y = x * rsqrt(mean(x², axis) + epsilon) * scale</c>, one trainable
/// <c>scale</c> over the normalized axes. Same in training and inference; no state.
/// </summary>
/// <example><code>new RMSNormalization(epsilon: 1e-6)</code></example>
public sealed class RMSNormalization : NormalizationLayer
{
    /// <inheritdoc/>
    public override bool SupportsMasking => true;

    private readonly Axes axisArg;
    private int[]? axes;
    private int[]? builtDims;

    /// <summary>Creates the layer; arguments and defaults follow keras.layers.RMSNormalization.</summary>
    /// <param name="axis">The axes normalized over (default -1, the last).</param>
    /// <param name="epsilon">Added to the mean square (default 1e-6).</param>
    /// <param name="trainable">False freezes the layer's weights (and puts normalization layers in inference mode, as Keras 3).</param>
    /// <param name="inputShape">Optional input shape without the batch dimension, for the first layer of a model.</param>
    /// <param name="name">Optional layer name; a unique one from the class name when null.</param>
    /// <exception cref="ArgumentException">When <paramref name="axis"/> is none or <paramref name="epsilon"/> is not positive and finite.</exception>
    public RMSNormalization(Axes axis = default, double epsilon = 1e-6, bool trainable = true, int[]? inputShape = null, string? name = null)
        : base(epsilon, trainable, inputShape, name)
    {
        axisArg = Axes.RequireNotNone(axis, Describe());
    }

    /// <summary>The normalized axes.</summary>
    public int[] Axis => axes != null ? (int[])axes.Clone() : axisArg.Values;
    /// <summary>The learned scale (null before build).</summary>
    public Tensor? Scale { get; private set; }

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        axes = NormViews.CanonicalAxes(axisArg.Values, inputShape.Length, Describe());
        NormViews.RequireExtent(Describe(), inputShape, axes);
        builtDims = (int[])inputShape.Clone();
        Scale = AddWeight("scale", axes.Select(a => inputShape[a]).ToArray(), "ones");
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        NormViews.CheckInput(Name, x, axes!, builtDims!);
        return Ops.RowNormalize(x, axes!, Epsilon, Scale, null, RowNormMode.RootMeanSquare);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => (int[])inputShape.Clone();

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = axisArg.ToJson();
        return config;
    }

    internal static RMSNormalization FromConfig(JsonObject c) =>
        new(Axes.FromJson(c["axis"], nullIsNone: false), c.GetDouble("epsilon", 1e-6), c.GetBool("trainable", true), name: c.GetString("name"));
}

using System.Text.Json.Nodes;
using NormLab.Initializers;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// ScaleNorm (Nguyen and Salazar, "Transformers without Tears", 2019): <c>y = g * x / max(‖x‖₂, epsilon)</c>
/// over the last axis, with one learned scalar <c>g</c> initialized to sqrt(d), d the last axis's size.
/// Same in training and inference.
/// </summary>
/// <remarks>Weight: <c>scale</c> (shape (1)). The norm is accumulated in double precision.</remarks>
/// <example><code>new ScaleNorm(epsilon: 1e-5)</code></example>
public sealed class ScaleNorm : NormalizationLayer
{
    /// <inheritdoc/>
    public override bool SupportsMasking => true;

    private int features;

    /// <summary>Creates the layer.</summary>
    /// <param name="epsilon">The floor of the norm (1e-5, as the paper's code); > 0.</param>
    /// <param name="trainable">Whether g is trained.</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">The layer's name; "scale_norm", ... when omitted.</param>
    /// <exception cref="ArgumentException">When <paramref name="epsilon"/> is not positive and finite.</exception>
    public ScaleNorm(double epsilon = 1e-5, bool trainable = true, int[]? inputShape = null, string? name = null)
        : base(epsilon, trainable, inputShape, name)
    {
    }

    /// <summary>The learned scalar g (shape (1); null before build).</summary>
    public Tensor? Scale { get; private set; }

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        RequireRank(inputShape, 2);
        features = inputShape[^1];
        if (features == 0)
            throw new ArgumentException($"{Describe()}: the last axis of the input has size 0 (shape {Shapes.Format(inputShape)}).");
        Scale = AddWeight("scale", [1], new Constant(Math.Sqrt(features)));
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        RequireRank(x, 2);
        RequireLastDim(x, features);
        return Ops.ScaleNorm(x, Scale!, Epsilon);
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
        return config;
    }

    internal static ScaleNorm FromConfig(JsonObject c) =>
        new(c.GetDouble("epsilon", 1e-5), c.GetBool("trainable", true), name: c.GetString("name"));
}

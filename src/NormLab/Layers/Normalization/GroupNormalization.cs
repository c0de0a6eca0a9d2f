using System.Text.Json.Nodes;
using NormLab.Constraints;
using NormLab.Initializers;
using NormLab.Kernels;
using NormLab.Regularizers;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Keras's GroupNormalization: per sample, the channels are split into <c>groups</c> groups and each
/// group is normalized over its channels and every non-batch axis; gamma and beta are per channel.
/// <c>groups: -1</c> means one group per channel (instance normalization). Same in training and inference.
/// </summary>
/// <remarks>NaN or infinity in a group makes that group's output NaN; the layer has no state.</remarks>
/// <example><code>new GroupNormalization(groups: 4)</code></example>
public sealed class GroupNormalization : AffineNormalizationLayer
{
    private int axis, channels, rank;

    /// <summary>Creates the layer; arguments and defaults follow keras.layers.GroupNormalization.</summary>
    /// <param name="groups">The number of channel groups (default 32); must divide the channels.</param>
    /// <param name="axis">The feature (channel) axis; -1 (default) is the last, channels-last.</param>
    /// <param name="epsilon">Added to the variance before the square root (default 1e-3).</param>
    /// <param name="center">Whether to add the learned offset beta.</param>
    /// <param name="scale">Whether to multiply by the learned scale gamma.</param>
    /// <param name="betaInitializer">Initializer of beta (default "zeros").</param>
    /// <param name="gammaInitializer">Initializer of gamma (default "ones").</param>
    /// <param name="betaRegularizer">Optional penalty on beta.</param>
    /// <param name="gammaRegularizer">Optional penalty on gamma.</param>
    /// <param name="betaConstraint">Optional constraint applied to beta after each update.</param>
    /// <param name="gammaConstraint">Optional constraint applied to gamma after each update.</param>
    /// <param name="trainable">False freezes the layer's weights (and puts normalization layers in inference mode, as Keras 3).</param>
    /// <param name="inputShape">Optional input shape without the batch dimension, for the first layer of a model.</param>
    /// <param name="name">Optional layer name; a unique one from the class name when null.</param>
    /// <exception cref="ArgumentException">When <paramref name="groups"/> is neither positive nor -1, or <paramref name="epsilon"/> is not positive and finite.</exception>
    public GroupNormalization(int groups = 32, int axis = -1, double epsilon = 1e-3, bool center = true, bool scale = true,
        Initializer? betaInitializer = null, Initializer? gammaInitializer = null,
        Regularizer? betaRegularizer = null, Regularizer? gammaRegularizer = null,
        Constraint? betaConstraint = null, Constraint? gammaConstraint = null,
        bool trainable = true, int[]? inputShape = null, string? name = null)
        : base(epsilon, center, scale,
            GammaAndBeta.WithDefaults(betaInitializer, gammaInitializer, betaRegularizer, gammaRegularizer, betaConstraint, gammaConstraint),
            trainable, inputShape, name)
    {
        if (groups <= 0 && groups != -1)
            throw new ArgumentException($"{Describe()}: Received an invalid value for argument `groups`, expected a positive integer (or `-1` for instance normalization). Received: groups={groups}");
        Groups = groups;
        Axis = axis;
    }

    /// <summary>The number of groups (-1 until build replaces it by the channel count).</summary>
    public int Groups { get; private set; }
    /// <summary>The channel axis.</summary>
    public int Axis { get; }

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        rank = inputShape.Length;
        axis = NormViews.ResolveAxis(Describe(), Axis, inputShape);
        if (axis == 0)
            throw new ArgumentException($"{Describe()}: axis {Axis} is the batch axis of input shape {Shapes.Format(inputShape)}; the channel axis must be another axis.");
        channels = inputShape[axis];
        int groups = Groups == -1 ? channels : Groups;
        if (channels < groups)
            throw new ArgumentException($"{Describe()}: Number of groups ({groups}) cannot be more than the number of channels ({channels}).");
        if (channels % groups != 0)
            throw new ArgumentException($"{Describe()}: Number of groups ({groups}) must be a multiple of the number of channels ({channels}).");
        Groups = groups;
        AddGammaAndBeta([channels]);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        NormViews.CheckInput(Name, x, rank, axis, channels);
        return Ops.GroupNormalize(x, axis, Groups, Epsilon, Gamma, Beta);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        NormViews.ResolveAxis(Describe(), Axis, inputShape);
        return (int[])inputShape.Clone();
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["groups"] = Groups;
        config["axis"] = Axis;
        return config;
    }

    internal static GroupNormalization FromConfig(JsonObject c) => FromConfig(c, GammaAndBeta.Read(c));

    private static GroupNormalization FromConfig(JsonObject c, GammaAndBeta a) => new(
        c.GetInt("groups", 32), c.GetInt("axis", -1), c.GetDouble("epsilon", 1e-3), c.GetBool("center", true), c.GetBool("scale", true),
        a.Beta.Initializer, a.Gamma.Initializer, a.Beta.Regularizer, a.Gamma.Regularizer, a.Beta.Constraint, a.Gamma.Constraint,
        c.GetBool("trainable", true), name: c.GetString("name"));
}

using System.Text.Json.Nodes;
using NormLab.Constraints;
using NormLab.Initializers;
using NormLab.Regularizers;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Keras's PReLU layer: x for x &gt; 0, <c>alpha * x</c> otherwise, with a learned alpha of the sample's
/// shape (batch axis excluded); each axis in <c>sharedAxes</c> (1-based, as Keras) has size 1 in alpha.
/// Weight: alpha.
/// </summary>
/// <example><code>new PReLU(sharedAxes: [1, 2])   // one alpha per channel of an image</code></example>
public sealed class PReLU : Layer
{
    /// <inheritdoc/>
    public override bool SupportsMasking => true;

    private readonly WeightSettings settings;
    private Tensor? alpha;

    /// <summary>Creates the layer; arguments and defaults follow keras.layers.PReLU.</summary>
    /// <param name="alphaInitializer">Initializer of alpha (Keras default "zeros").</param>
    /// <param name="alphaRegularizer">Penalty on alpha added to the training loss; default null (none).</param>
    /// <param name="alphaConstraint">Projection applied to alpha after each optimizer step; default null (none).</param>
    /// <param name="sharedAxes">Axes (1 is the first axis after the batch) along which alpha is shared.</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">Layer name (Keras <c>name</c>); default null gives a unique one from the class name in snake_case, numbered from the second layer of that class on (e.g. "re_lu", "re_lu_1").</param>
    public PReLU(Initializer? alphaInitializer = null, Regularizer? alphaRegularizer = null, Constraint? alphaConstraint = null,
        int[]? sharedAxes = null, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        settings = new WeightSettings("alpha", alphaInitializer ?? "zeros", alphaRegularizer, alphaConstraint);
        SharedAxes = sharedAxes?.ToArray();
    }

    /// <summary>The axes along which alpha is shared, or null.</summary>
    public int[]? SharedAxes { get; }

    /// <summary>The learned slopes, once built.</summary>
    public Tensor? Alpha => alpha;

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        RequireRank(inputShape, 2);
        var shape = inputShape[1..];
        foreach (int axis in SharedAxes ?? [])
        {
            if (axis < 1 || axis >= inputShape.Length)
                throw new ArgumentException($"{Describe()}: sharedAxes must lie in [1, {inputShape.Length - 1}] for input shape {Shapes.Format(inputShape)}, received {axis}.");
            shape[axis - 1] = 1;
        }
        alpha = AddWeight(settings, shape);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        RequireSampleShape(x.Dims);
        return Ops.PRelu(x, alpha!);
    }

    private void RequireSampleShape(ReadOnlySpan<int> dims)
    {
        var built = BuiltInputShape!;
        bool same = dims.Length == built.Length;
        for (int i = 1; same && i < dims.Length; i++) same = dims[i] == built[i] || alpha!.Dims[i - 1] == 1;
        if (!same)
            throw new ArgumentException($"{Describe()}: expected input of shape {Shapes.Format(built)} (any batch size), received {Shapes.Format(dims)}.");
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 2);
        return inputShape;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["alpha_initializer"] = settings.Initializer.GetConfig();
        config["alpha_regularizer"] = settings.Regularizer?.GetConfig();
        config["alpha_constraint"] = settings.Constraint?.GetConfig();
        config["shared_axes"] = SharedAxes?.ToJson();
        return config;
    }

    internal static PReLU FromConfig(JsonObject c)
    {
        var s = WeightSettings.Read(c, "alpha", "zeros");
        return new(s.Initializer, s.Regularizer, s.Constraint, c.GetInts("shared_axes"), name: c.GetString("name"));
    }
}

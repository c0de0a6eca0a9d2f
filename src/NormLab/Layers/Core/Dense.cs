using System.Text.Json.Nodes;
using NormLab.Activations;
using NormLab.Constraints;
using NormLab.Initializers;
using NormLab.Regularizers;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// A fully connected layer: <c>activation(x @ kernel + bias)</c> over the last axis.
/// Weights: kernel (in, units), bias (units).
/// </summary>
/// <example><code>new Dense(64, activation: "relu", inputShape: [784])</code></example>
public sealed class Dense : Layer
{
    /// <inheritdoc/>
    public override bool SupportsMasking => true;

    private readonly KernelAndBias settings;
    private Tensor? kernel, bias;

    /// <summary>Creates the layer; arguments and defaults follow keras.layers.Dense.</summary>
    /// <param name="units">The number of outputs (Keras's units), >= 1.</param>
    /// <param name="activation">The activation, by Keras name ("relu", "softmax", ...) or as an object; null (default) is linear.</param>
    /// <param name="useBias">Whether to add a bias (default true).</param>
    /// <param name="kernelInitializer">Initializer of the kernel (default "glorot_uniform").</param>
    /// <param name="biasInitializer">Initializer of the bias (default "zeros").</param>
    /// <param name="kernelRegularizer">Optional penalty on the kernel.</param>
    /// <param name="biasRegularizer">Optional penalty on the bias.</param>
    /// <param name="kernelConstraint">Optional constraint applied to the kernel after each update.</param>
    /// <param name="biasConstraint">Optional constraint applied to the bias after each update.</param>
    /// <param name="inputShape">Optional input shape without the batch dimension, for the first layer of a model.</param>
    /// <param name="inputDim">Shorthand for <c>inputShape: [inputDim]</c> (Keras's input_dim).</param>
    /// <param name="name">Optional layer name; a unique one from the class name when null.</param>
    /// <exception cref="ArgumentException">When <paramref name="units"/> is below 1.</exception>
    public Dense(int units, ActivationFunction? activation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null,
        int[]? inputShape = null, int? inputDim = null, string? name = null)
        : base(name, inputShape, inputDim)
    {
        if (units < 1) throw new ArgumentException($"{Describe()}: units must be >= 1, received {units}.");
        Units = units;
        Activation = activation ?? "linear";
        UseBias = useBias;
        settings = KernelAndBias.WithDefaults(kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer, kernelConstraint, biasConstraint);
    }

    /// <summary>The number of output units.</summary>
    public int Units { get; }

    /// <summary>The activation applied to the output.</summary>
    public ActivationFunction Activation { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }

    /// <summary>The (in, units) kernel, once built.</summary>
    public Tensor? Kernel => kernel;

    /// <summary>The bias, once built (null without one).</summary>
    public Tensor? Bias => bias;

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        if (inputShape.Length < 2)
            throw new ArgumentException($"{Describe()}: expected input of rank >= 2 (batch, ..., features), received shape {Shapes.Format(inputShape)}.");
        kernel = AddWeight(settings.Kernel, [inputShape[^1], Units]);
        if (UseBias) bias = AddWeight(settings.Bias, [Units]);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        RequireRank(x, 2);
        RequireLastDim(x, kernel!.Dims[0]);
        return Activation.Apply(Ops.Linear(x, kernel, bias));
    }

    /// <summary>The layer's computation with another kernel (WeightNormalization), optionally without the activation.</summary>
    internal Tensor ForwardWithKernel(Tensor x, Tensor otherKernel, bool activation = true)
    {
        RequireRank(x, 2);
        RequireLastDim(x, otherKernel.Dims[0]);
        var z = Ops.Linear(x, otherKernel, bias);
        return activation ? Activation.Apply(z) : z;
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 2);
        return [.. inputShape[..^1], Units];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["units"] = Units;
        config["activation"] = Activation.Name;
        config["use_bias"] = UseBias;
        settings.WriteTo(config);
        return config;
    }

    internal static Dense FromConfig(JsonObject c) => FromConfig(c, KernelAndBias.Read(c));

    private static Dense FromConfig(JsonObject c, KernelAndBias s) => new(
        c.GetInt("units", 1), c.GetString("activation", "linear")!, c.GetBool("use_bias", true),
        s.Kernel.Initializer, s.Bias.Initializer, s.Kernel.Regularizer, s.Bias.Regularizer, s.Kernel.Constraint, s.Bias.Constraint,
        name: c.GetString("name"));
}

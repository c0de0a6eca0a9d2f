using System.Text.Json.Nodes;
using NormLab.Activations;
using NormLab.Initializers;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Long short-term memory over (batch, time, features), with Keras's layout and defaults:
/// kernel (features, 4u), recurrent_kernel (u, 4u), bias (4u), gates in the order i, f, c, o;
/// tanh activation, sigmoid recurrent activation, orthogonal recurrent kernel, and the forget-gate
/// bias initialized to 1 (unitForgetBias). Returns the last output, or every step with returnSequences.
/// </summary>
public sealed class LSTM : Layer
{
    private readonly Initializer kernelInitializer, recurrentInitializer, biasInitializer;
    private Tensor? kernel, recurrentKernel, bias;

    /// <summary>The input kernel (features, 4u) (null before build).</summary>
    internal Tensor? Kernel => kernel;

    /// <summary>Creates the layer; arguments and defaults follow keras.layers.LSTM.</summary>
    public LSTM(int units, ActivationFunction? activation = null, ActivationFunction? recurrentActivation = null,
        bool useBias = true, Initializer? kernelInitializer = null, Initializer? recurrentInitializer = null,
        Initializer? biasInitializer = null, bool unitForgetBias = true, bool returnSequences = false,
        int[]? inputShape = null, string? name = null)
        : base(name, inputShape)
    {
        if (units < 1) throw new ArgumentException($"{Describe()}: units must be >= 1, received {units}.");
        Units = units;
        Activation = activation ?? "tanh";
        RecurrentActivation = recurrentActivation ?? "sigmoid";
        UseBias = useBias;
        UnitForgetBias = unitForgetBias;
        ReturnSequences = returnSequences;
        this.kernelInitializer = kernelInitializer ?? "glorot_uniform";
        this.recurrentInitializer = recurrentInitializer ?? "orthogonal";
        this.biasInitializer = biasInitializer ?? "zeros";
    }

    /// <summary>The size of the hidden state.</summary>
    public int Units { get; }
    /// <summary>The cell and output activation (tanh).</summary>
    public ActivationFunction Activation { get; }
    /// <summary>The gate activation (sigmoid).</summary>
    public ActivationFunction RecurrentActivation { get; }
    /// <summary>Whether the gates have a bias.</summary>
    public bool UseBias { get; }
    /// <summary>Whether the forget-gate bias starts at 1.</summary>
    public bool UnitForgetBias { get; }
    /// <summary>Whether every step's output is returned (batch, time, units) rather than the last (batch, units).</summary>
    public bool ReturnSequences { get; }

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        if (inputShape.Length != 3)
            throw new ArgumentException($"{Describe()}: expected input of rank 3 (batch, time, features), received shape {Shapes.Format(inputShape)}.");
        kernel = AddWeight("kernel", [inputShape[2], 4 * Units], kernelInitializer);
        recurrentKernel = AddWeight("recurrent_kernel", [Units, 4 * Units], recurrentInitializer);
        if (UseBias)
        {
            bias = AddWeight("bias", [4 * Units], biasInitializer);
            if (UnitForgetBias) Array.Fill(bias.Data, 1f, Units, Units);
        }
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => ForwardWithKernel(x, kernel!);

    /// <summary>The layer's computation with another input kernel (WeightNormalization).</summary>
    internal Tensor ForwardWithKernel(Tensor x, Tensor kernel)
    {
        RequireRank(x, 3, 3);
        RequireLastDim(x, kernel!.Dims[0]);
        int batch = x.Dims[0], steps = x.Dims[1], u = Units;
        if (steps < 1) throw new ArgumentException($"{Describe()}: the input has no time steps, shape {Shapes.Format(x.Dims)}.");
        // The input projection of every step at once; only the recurrent product stays in the loop.
        var projected = Ops.Linear(x, kernel, bias);
        var h = Tensor.Zeros(batch, u);
        var c = Tensor.Zeros(batch, u);
        var outputs = new List<Tensor>(steps);
        for (int t = 0; t < steps; t++)
        {
            var z = Ops.Add(Ops.Reshape(Ops.Slice(projected, 1, t, 1), batch, 4 * u), Ops.MatMul(h, recurrentKernel!));
            var i = RecurrentActivation.Apply(Ops.Slice(z, 1, 0, u));
            var f = RecurrentActivation.Apply(Ops.Slice(z, 1, u, u));
            var g = Activation.Apply(Ops.Slice(z, 1, 2 * u, u));
            var o = RecurrentActivation.Apply(Ops.Slice(z, 1, 3 * u, u));
            c = Ops.Add(Ops.Mul(f, c), Ops.Mul(i, g));
            h = Ops.Mul(o, Activation.Apply(c));
            if (ReturnSequences) outputs.Add(h);
        }
        return ReturnSequences ? Ops.Stack(outputs, 1) : h;
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 3, 3);
        return ReturnSequences ? [inputShape[0], inputShape[1], Units] : [inputShape[0], Units];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["units"] = Units;
        config["activation"] = Activation.Name;
        config["recurrent_activation"] = RecurrentActivation.Name;
        config["use_bias"] = UseBias;
        config["kernel_initializer"] = kernelInitializer.GetConfig();
        config["recurrent_initializer"] = recurrentInitializer.GetConfig();
        config["bias_initializer"] = biasInitializer.GetConfig();
        config["unit_forget_bias"] = UnitForgetBias;
        config["return_sequences"] = ReturnSequences;
        return config;
    }

    internal static LSTM FromConfig(JsonObject c) => new(
        c.GetInt("units", 1), c.GetString("activation", "tanh")!, c.GetString("recurrent_activation", "sigmoid")!,
        c.GetBool("use_bias", true), Initializer.FromConfig(c["kernel_initializer"]), Initializer.FromConfig(c["recurrent_initializer"]),
        Initializer.FromConfig(c["bias_initializer"]), c.GetBool("unit_forget_bias", true), c.GetBool("return_sequences", false),
        name: c.GetString("name"));
}

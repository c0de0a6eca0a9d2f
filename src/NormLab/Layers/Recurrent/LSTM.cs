using System.Text.Json.Nodes;
using NormLab.Activations;
using NormLab.Initializers;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Long short-term memory over (batch, time, features), with Keras's layout and defaults:
/// kernel (features, 4u), recurrent_kernel (u, 4u), bias (4u), gates in the order i, f, c, o;
/// tanh activation, sigmoid recurrent activation, orthogonal recurrent kernel, and the forget-gate
/// bias initialized to 1 (unitForgetBias). Returns the last output, or every step with returnSequences;
/// masking, dropout, goBackwards and returnState as described on <see cref="RecurrentLayer"/>.
/// </summary>
public sealed class LSTM : RecurrentLayer
{
    /// <summary>Creates the layer; arguments and defaults follow keras.layers.LSTM.</summary>
    /// <param name="units">The size of the hidden state.</param>
    /// <param name="activation">The cell and output activation (tanh).</param>
    /// <param name="recurrentActivation">The gate activation (sigmoid).</param>
    /// <param name="useBias">Whether the gates have a bias.</param>
    /// <param name="kernelInitializer">The input kernel's initializer (glorot_uniform).</param>
    /// <param name="recurrentInitializer">The recurrent kernel's initializer (orthogonal).</param>
    /// <param name="biasInitializer">The bias initializer (zeros).</param>
    /// <param name="unitForgetBias">Whether the forget-gate bias starts at 1.</param>
    /// <param name="returnSequences">Whether every step's output is returned.</param>
    /// <param name="inputShape">The shape of one sample (time, features), for the first layer of a model.</param>
    /// <param name="name">The layer's name.</param>
    /// <param name="dropout">The fraction of input features dropped in training (0).</param>
    /// <param name="recurrentDropout">The fraction of the previous state dropped in training in the recurrent product (0).</param>
    /// <param name="returnState">Whether <see cref="RecurrentLayer.CallWithState"/> returns the final h and c (false).</param>
    /// <param name="goBackwards">Whether the sequence is processed backwards (false).</param>
    public LSTM(int units, ActivationFunction? activation = null, ActivationFunction? recurrentActivation = null,
        bool useBias = true, Initializer? kernelInitializer = null, Initializer? recurrentInitializer = null,
        Initializer? biasInitializer = null, bool unitForgetBias = true, bool returnSequences = false,
        int[]? inputShape = null, string? name = null, double dropout = 0, double recurrentDropout = 0,
        bool returnState = false, bool goBackwards = false)
        : base(units, 4, useBias, kernelInitializer, recurrentInitializer, biasInitializer, returnSequences, returnState,
            goBackwards, dropout, recurrentDropout, inputShape, name)
    {
        Activation = activation ?? "tanh";
        RecurrentActivation = recurrentActivation ?? "sigmoid";
        UnitForgetBias = unitForgetBias;
    }

    /// <summary>The cell and output activation (tanh).</summary>
    public ActivationFunction Activation { get; }
    /// <summary>The gate activation (sigmoid).</summary>
    public ActivationFunction RecurrentActivation { get; }
    /// <summary>Whether the forget-gate bias starts at 1.</summary>
    public bool UnitForgetBias { get; }

    private protected override void InitializeBias(Tensor bias)
    {
        if (UnitForgetBias) Array.Fill(bias.Data, 1f, Units, Units);
    }

    private protected override (Tensor? Sequence, Tensor[] States) Recur(Tensor projected, Tensor? stepMask, Tensor? recurrentDropoutMask)
    {
        int batch = projected.Dims[0], steps = projected.Dims[1], u = Units;
        var h = Tensor.Zeros(batch, u);
        var c = Tensor.Zeros(batch, u);
        var outputs = new List<Tensor>(steps);
        for (int t = 0; t < steps; t++)
        {
            var hIn = recurrentDropoutMask == null ? h : Ops.Mul(h, recurrentDropoutMask);
            var z = Ops.Add(Ops.Reshape(Ops.Slice(projected, 1, t, 1), batch, 4 * u), Ops.MatMul(hIn, RecurrentKernel));
            var i = RecurrentActivation.Apply(Ops.Slice(z, 1, 0, u));
            var f = RecurrentActivation.Apply(Ops.Slice(z, 1, u, u));
            var g = Activation.Apply(Ops.Slice(z, 1, 2 * u, u));
            var o = RecurrentActivation.Apply(Ops.Slice(z, 1, 3 * u, u));
            var m = StepMask(stepMask, t);
            var cNext = Ops.Add(Ops.Mul(f, c), Ops.Mul(i, g));
            h = Carry(Ops.Mul(o, Activation.Apply(cNext)), h, m);
            c = Carry(cNext, c, m);
            if (ReturnSequences) outputs.Add(h);
        }
        return (ReturnSequences ? Ops.Stack(outputs, 1) : null, [h, c]);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["units"] = Units;
        config["activation"] = Activation.Name;
        config["recurrent_activation"] = RecurrentActivation.Name;
        config["use_bias"] = UseBias;
        WriteInitializers(config);
        config["unit_forget_bias"] = UnitForgetBias;
        WriteOptions(config);
        return config;
    }

    internal static LSTM FromConfig(JsonObject c)
    {
        var o = Options.Read(c);
        return new(c.GetInt("units", 1), c.GetString("activation", "tanh")!, c.GetString("recurrent_activation", "sigmoid")!,
            c.GetBool("use_bias", true), Initializer.FromConfig(c["kernel_initializer"]), Initializer.FromConfig(c["recurrent_initializer"]),
            Initializer.FromConfig(c["bias_initializer"]), c.GetBool("unit_forget_bias", true), o.ReturnSequences,
            name: c.GetString("name"), dropout: o.Dropout, recurrentDropout: o.RecurrentDropout,
            returnState: o.ReturnState, goBackwards: o.GoBackwards);
    }
}

using System.Text.Json.Nodes;
using NormLab.Activations;
using NormLab.Initializers;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// The fully connected recurrence h = activation(x·kernel + h·recurrent_kernel + bias), Keras's layout:
/// kernel (features, u), recurrent_kernel (u, u), bias (u); tanh by default. Masking, dropout, goBackwards
/// and returnState as described on <see cref="RecurrentLayer"/>.
/// </summary>
public sealed class SimpleRNN : RecurrentLayer
{
    /// <summary>Creates the layer; arguments and defaults follow keras.layers.SimpleRNN.</summary>
    /// <param name="units">The size of the hidden state.</param>
    /// <param name="activation">The activation (tanh).</param>
    /// <param name="useBias">Whether there is a bias.</param>
    /// <param name="kernelInitializer">The input kernel's initializer (glorot_uniform).</param>
    /// <param name="recurrentInitializer">The recurrent kernel's initializer (orthogonal).</param>
    /// <param name="biasInitializer">The bias initializer (zeros).</param>
    /// <param name="dropout">The fraction of input features dropped in training (0).</param>
    /// <param name="recurrentDropout">The fraction of the previous state dropped in training in the recurrent product (0).</param>
    /// <param name="returnSequences">Whether every step's output is returned (false).</param>
    /// <param name="returnState">Whether <see cref="RecurrentLayer.CallWithState"/> returns the final h (false).</param>
    /// <param name="goBackwards">Whether the sequence is processed backwards (false).</param>
    /// <param name="inputShape">The shape of one sample (time, features), for the first layer of a model.</param>
    /// <param name="name">The layer's name.</param>
    public SimpleRNN(int units, ActivationFunction? activation = null, bool useBias = true, Initializer? kernelInitializer = null,
        Initializer? recurrentInitializer = null, Initializer? biasInitializer = null, double dropout = 0, double recurrentDropout = 0,
        bool returnSequences = false, bool returnState = false, bool goBackwards = false, int[]? inputShape = null, string? name = null)
        : base(units, 1, useBias, kernelInitializer, recurrentInitializer, biasInitializer, returnSequences, returnState,
            goBackwards, dropout, recurrentDropout, inputShape, name)
    {
        Activation = activation ?? "tanh";
    }

    /// <summary>The activation (tanh).</summary>
    public ActivationFunction Activation { get; }

    private protected override (Tensor? Sequence, Tensor[] States) Recur(Tensor projected, Tensor? stepMask, Tensor? recurrentDropoutMask)
    {
        int batch = projected.Dims[0], steps = projected.Dims[1];
        var h = Tensor.Zeros(batch, Units);
        var outputs = new List<Tensor>(steps);
        for (int t = 0; t < steps; t++)
        {
            var hIn = recurrentDropoutMask == null ? h : Ops.Mul(h, recurrentDropoutMask);
            var next = Activation.Apply(Ops.Add(Ops.Reshape(Ops.Slice(projected, 1, t, 1), batch, Units), Ops.MatMul(hIn, RecurrentKernel)));
            h = Carry(next, h, StepMask(stepMask, t));
            if (ReturnSequences) outputs.Add(h);
        }
        return (ReturnSequences ? Ops.Stack(outputs, 1) : null, [h]);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["units"] = Units;
        config["activation"] = Activation.Name;
        config["use_bias"] = UseBias;
        WriteInitializers(config);
        WriteOptions(config);
        return config;
    }

    internal static SimpleRNN FromConfig(JsonObject c)
    {
        var o = Options.Read(c);
        return new(c.GetInt("units", 1), c.GetString("activation", "tanh")!, c.GetBool("use_bias", true),
            Initializer.FromConfig(c["kernel_initializer"]), Initializer.FromConfig(c["recurrent_initializer"]),
            Initializer.FromConfig(c["bias_initializer"]), o.Dropout, o.RecurrentDropout, o.ReturnSequences, o.ReturnState,
            o.GoBackwards, name: c.GetString("name"));
    }
}

using System.Text.Json.Nodes;
using NormLab.Activations;
using NormLab.Initializers;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Gated recurrent unit over (batch, time, features), Keras's default form (reset_after=True, the cuDNN one):
/// kernel (features, 3u), recurrent_kernel (u, 3u), bias (2, 3u) holding the input bias and the recurrent
/// bias, gates in the order z, r, h:
/// z = σ(x·Wz + bz + h·Uz + b'z), r = σ(x·Wr + br + h·Ur + b'r), c = tanh(x·Wh + bh + r·(h·Uh + b'h)),
/// h = z·h + (1 - z)·c. Runs as one fused kernel (<see cref="Kernels.GruKernel"/>). Masking, dropout,
/// goBackwards and returnState as described on <see cref="RecurrentLayer"/>.
/// </summary>
public sealed class GRU : RecurrentLayer
{
    /// <summary>Creates the layer; arguments and defaults follow keras.layers.GRU.</summary>
    /// <param name="units">The size of the hidden state.</param>
    /// <param name="activation">The candidate activation; the fused kernel supports Keras's default tanh.</param>
    /// <param name="recurrentActivation">The gate activation; the fused kernel supports Keras's default sigmoid.</param>
    /// <param name="useBias">Whether the gates have biases.</param>
    /// <param name="kernelInitializer">The input kernel's initializer (glorot_uniform).</param>
    /// <param name="recurrentInitializer">The recurrent kernel's initializer (orthogonal).</param>
    /// <param name="biasInitializer">The bias initializer (zeros).</param>
    /// <param name="dropout">The fraction of input features dropped in training (0).</param>
    /// <param name="recurrentDropout">The fraction of the previous state dropped in training in the recurrent product (0).</param>
    /// <param name="returnSequences">Whether every step's output is returned (false).</param>
    /// <param name="returnState">Whether <see cref="RecurrentLayer.CallWithState"/> returns the final h (false).</param>
    /// <param name="goBackwards">Whether the sequence is processed backwards (false).</param>
    /// <param name="resetAfter">Keras's reset_after; only true (the default, reset gate after the recurrent product) is supported.</param>
    /// <param name="inputShape">The shape of one sample (time, features), for the first layer of a model.</param>
    /// <param name="name">The layer's name.</param>
    /// <exception cref="ArgumentException">When <paramref name="units"/> is below 1, <paramref name="dropout"/> or <paramref name="recurrentDropout"/> is outside [0, 1), <paramref name="activation"/> is not tanh or <paramref name="recurrentActivation"/> not sigmoid, or <paramref name="resetAfter"/> is false.</exception>
    public GRU(int units, ActivationFunction? activation = null, ActivationFunction? recurrentActivation = null,
        bool useBias = true, Initializer? kernelInitializer = null, Initializer? recurrentInitializer = null,
        Initializer? biasInitializer = null, double dropout = 0, double recurrentDropout = 0, bool returnSequences = false,
        bool returnState = false, bool goBackwards = false, bool resetAfter = true, int[]? inputShape = null, string? name = null)
        : base(units, 3, useBias, kernelInitializer, recurrentInitializer, biasInitializer, returnSequences, returnState,
            goBackwards, dropout, recurrentDropout, inputShape, name)
    {
        Activation = activation ?? "tanh";
        RecurrentActivation = recurrentActivation ?? "sigmoid";
        if (Activation.Name != "tanh" || RecurrentActivation.Name != "sigmoid")
            throw new ArgumentException($"{Describe()}: the fused GRU kernel computes activation tanh and recurrentActivation sigmoid (Keras's defaults), received {Activation.Name} and {RecurrentActivation.Name}.");
        if (!resetAfter)
            throw new ArgumentException($"{Describe()}: only resetAfter: true (Keras's default) is supported.");
    }

    /// <summary>The candidate activation (tanh).</summary>
    public ActivationFunction Activation { get; }
    /// <summary>The gate activation (sigmoid).</summary>
    public ActivationFunction RecurrentActivation { get; }

    private protected override int[] BiasShape => [2, 3 * Units];

    private protected override Tensor? InputBias => BiasRow(0);

    private Tensor? BiasRow(int row) => Bias == null ? null : Ops.Reshape(Ops.Slice(Bias, 0, row, 1), 3 * Units);

    private protected override (Tensor? Sequence, Tensor[] States) Recur(Tensor projected, Tensor? stepMask, Tensor? recurrentDropoutMask)
    {
        var sequence = Ops.GruSequence(projected, RecurrentKernel, BiasRow(1), stepMask, recurrentDropoutMask);
        int batch = projected.Dims[0], steps = projected.Dims[1];
        // A masked step repeats the previous state, so the last step holds the final state.
        var last = Ops.Reshape(Ops.Slice(sequence, 1, steps - 1, 1), batch, Units);
        return (sequence, [last]);
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
        WriteOptions(config);
        config["reset_after"] = true;
        return config;
    }

    internal static GRU FromConfig(JsonObject c)
    {
        var o = Options.Read(c);
        return new(c.GetInt("units", 1), c.GetString("activation", "tanh")!, c.GetString("recurrent_activation", "sigmoid")!,
            c.GetBool("use_bias", true), Initializer.FromConfig(c["kernel_initializer"]), Initializer.FromConfig(c["recurrent_initializer"]),
            Initializer.FromConfig(c["bias_initializer"]), o.Dropout, o.RecurrentDropout, o.ReturnSequences, o.ReturnState,
            o.GoBackwards, c.GetBool("reset_after", true), name: c.GetString("name"));
    }
}

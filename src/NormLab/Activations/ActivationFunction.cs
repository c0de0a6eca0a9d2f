using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Activations;

/// <summary>
/// An activation function by its Keras name. Anywhere NormLab takes an activation, a string works:
/// <c>activation: "relu"</c>. Valid names: relu, tanh, sigmoid, softmax, linear, elu, gelu,
/// leaky_relu, swish (alias silu), selu, softplus, softsign, relu6, hard_sigmoid, hard_silu (alias hard_swish),
/// mish, exponential.
/// </summary>
public sealed class ActivationFunction
{
    private static readonly Dictionary<string, Func<Tensor, Tensor>> Functions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["linear"] = x => x,
        ["relu"] = Ops.Relu,
        ["tanh"] = Ops.Tanh,
        ["sigmoid"] = Ops.Sigmoid,
        ["softmax"] = Ops.Softmax,
        ["elu"] = Ops.Elu,
        ["gelu"] = Ops.Gelu,
        ["leaky_relu"] = Ops.LeakyRelu,
        ["swish"] = Ops.Swish,
        ["silu"] = Ops.Swish,
        ["selu"] = Ops.Selu,
        ["softplus"] = Ops.Softplus,
        ["softsign"] = Ops.Softsign,
        ["relu6"] = Ops.Relu6,
        ["hard_sigmoid"] = Ops.HardSigmoid,
        ["hard_silu"] = Ops.HardSilu,
        ["hard_swish"] = Ops.HardSilu,
        ["mish"] = Ops.Mish,
        ["exponential"] = Ops.Exponential,
    };

    private static readonly NamedRegistry<ActivationFunction> Registry = new("activation",
        Functions.Keys.ToDictionary(name => name, name => (Func<JsonObject, ActivationFunction>)(_ => new ActivationFunction(name))));

    private readonly Func<Tensor, Tensor> function;

    private ActivationFunction(string name)
    {
        Name = name.ToLowerInvariant();
        function = Functions[name];
    }

    /// <summary>The Keras name.</summary>
    public string Name { get; }

    /// <summary>Whether this is the identity (nothing to compute).</summary>
    public bool IsLinear => Name == "linear";

    /// <summary>Applies the function (differentiable).</summary>
    /// <param name="x">Input of any shape; the result has the same shape (softmax acts on the last axis).</param>
    public Tensor Apply(Tensor x) => function(x);

    /// <summary>The activation with this Keras name; unknown names list the valid ones.</summary>
    /// <param name="name">A Keras activation name such as "relu", "gelu", "softmax" or "linear".</param>
    /// <exception cref="ArgumentException">When the name is unknown; the message lists the valid names.</exception>
    public static ActivationFunction Get(string name) => Registry.Get(name);

    /// <summary>Lets <c>activation: "relu"</c> be written where an activation is expected.</summary>
    /// <param name="name">A Keras activation name, e.g. <c>activation: "relu"</c>.</param>
    public static implicit operator ActivationFunction(string name) => Get(name);

    /// <inheritdoc/>
    public override string ToString() => Name;
}

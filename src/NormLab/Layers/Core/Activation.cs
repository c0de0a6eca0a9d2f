using System.Text.Json.Nodes;
using NormLab.Activations;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>Applies an activation function: <c>new Activation("tanh")</c>.</summary>
/// <param name="activation">The function, by Keras name ("relu", "tanh", ...) or as an object.</param>
/// <param name="inputShape">Optional input shape without the batch dimension, for the first layer of a model.</param>
/// <param name="name">Optional layer name; a unique one from the class name when null.</param>
/// <exception cref="ArgumentNullException">When <paramref name="activation"/> is null.</exception>
public sealed class Activation(ActivationFunction activation, int[]? inputShape = null, string? name = null) : Layer(name, inputShape)
{
    /// <inheritdoc/>
    public override bool SupportsMasking => true;

    /// <summary>The function applied.</summary>
    public ActivationFunction Function { get; } = activation ?? throw new ArgumentNullException(nameof(activation));

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Function.Apply(x);

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["activation"] = Function.Name;
        return config;
    }

    internal static Activation FromConfig(JsonObject c) => new(c.GetString("activation", "linear")!, name: c.GetString("name"));
}

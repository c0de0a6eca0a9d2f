using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>Keras's LeakyReLU layer: x for x &gt; 0, <c>negativeSlope * x</c> otherwise.</summary>
/// <remarks>The layer's default slope is 0.3 (keras.layers.LeakyReLU); the activation function
/// <c>"leaky_relu"</c> uses 0.2 (keras.activations.leaky_relu).</remarks>
public sealed class LeakyReLU : Layer
{
    /// <inheritdoc/>
    public override bool SupportsMasking => true;

    /// <summary>Creates the layer.</summary>
    /// <param name="negativeSlope">The slope for x &lt;= 0 (&gt;= 0; Keras's layer default 0.3).</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">Layer name (Keras <c>name</c>); default null gives a unique one from the class name in snake_case, numbered from the second layer of that class on (e.g. "re_lu", "re_lu_1").</param>
    /// <exception cref="ArgumentException">When <paramref name="negativeSlope"/> is negative, NaN or infinite.</exception>
    public LeakyReLU(double negativeSlope = 0.3, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        if (!(negativeSlope >= 0) || double.IsInfinity(negativeSlope))
            throw new ArgumentException($"{Describe()}: negativeSlope must be a finite number >= 0, received {negativeSlope}.");
        NegativeSlope = negativeSlope;
    }

    /// <summary>The slope for x &lt;= 0.</summary>
    public double NegativeSlope { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Ops.LeakyRelu(x, NegativeSlope);

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["negative_slope"] = NegativeSlope;
        return config;
    }

    internal static LeakyReLU FromConfig(JsonObject c) => new(c.GetDouble("negative_slope", 0.3), name: c.GetString("name"));
}

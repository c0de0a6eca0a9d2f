using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>Keras's ELU layer: x for x &gt; 0, <c>alpha * (e^x - 1)</c> otherwise.</summary>
public sealed class ELU : Layer
{
    /// <inheritdoc/>
    public override bool SupportsMasking => true;

    /// <summary>Creates the layer.</summary>
    /// <param name="alpha">The scale of the negative part (Keras default 1).</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">Layer name (Keras <c>name</c>); default null gives a unique one from the class name in snake_case, numbered from the second layer of that class on (e.g. "re_lu", "re_lu_1").</param>
    /// <exception cref="ArgumentException">When <paramref name="alpha"/> is not finite.</exception>
    public ELU(double alpha = 1.0, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        if (!double.IsFinite(alpha)) throw new ArgumentException($"{Describe()}: alpha must be finite, received {alpha}.");
        Alpha = alpha;
    }

    /// <summary>The scale of the negative part.</summary>
    public double Alpha { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Ops.Elu(x, Alpha);

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["alpha"] = Alpha;
        return config;
    }

    internal static ELU FromConfig(JsonObject c) => new(c.GetDouble("alpha", 1.0), name: c.GetString("name"));
}

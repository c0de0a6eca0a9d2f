using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Zeroes a fraction <c>rate</c> of the inputs during training and scales the rest by 1 / (1 - rate)
/// (inverted dropout, as Keras); the identity at inference.
/// </summary>
public sealed class Dropout : Layer
{
    /// <inheritdoc/>
    public override bool SupportsMasking => true;

    /// <summary>Creates the layer; rate must be in [0, 1).</summary>
    /// <param name="rate">The fraction of inputs to drop in training, in [0, 1).</param>
    /// <param name="inputShape">Optional input shape without the batch dimension, for the first layer of a model.</param>
    /// <param name="name">Optional layer name; a unique one from the class name when null.</param>
    /// <exception cref="ArgumentException">When <paramref name="rate"/> is outside [0, 1).</exception>
    public Dropout(double rate, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        if (rate < 0 || rate >= 1 || double.IsNaN(rate))
            throw new ArgumentException($"{Describe()}: rate must be in [0, 1), received {rate}.");
        Rate = rate;
    }

    /// <summary>The fraction of inputs dropped in training.</summary>
    public double Rate { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (!training || Rate == 0) return x;
        var mask = Tensor.Zeros(x.Shape);
        float keep = (float)(1 / (1 - Rate));
        NormLabRandom.FillUniform(mask.Data, 0, 1);
        for (int i = 0; i < mask.Size; i++) mask.Data[i] = mask.Data[i] >= Rate ? keep : 0f;
        return Ops.Mul(x, mask);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["rate"] = Rate;
        return config;
    }

    internal static Dropout FromConfig(JsonObject c) => new(c.GetDouble("rate", 0), name: c.GetString("name"));
}

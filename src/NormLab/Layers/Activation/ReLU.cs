using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Keras's ReLU layer: <c>min(x, maxValue)</c> for x &gt; threshold, <c>negativeSlope * (x - threshold)</c>
/// otherwise. With the defaults it is max(x, 0).
/// </summary>
public sealed class ReLU : Layer
{
    /// <inheritdoc/>
    public override bool SupportsMasking => true;

    /// <summary>Creates the layer; arguments and defaults follow keras.layers.ReLU.</summary>
    /// <param name="maxValue">The saturation value (&gt;= 0), or null for none (Keras default).</param>
    /// <param name="negativeSlope">The slope below the threshold (&gt;= 0, default 0).</param>
    /// <param name="threshold">Where the output turns from the slope to x (&gt;= 0, default 0).</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">Layer name (Keras <c>name</c>); default null gives a unique one from the class name in snake_case, numbered from the second layer of that class on (e.g. "re_lu", "re_lu_1").</param>
    /// <exception cref="ArgumentException">When <paramref name="maxValue"/> or <paramref name="negativeSlope"/> is negative or NaN, or <paramref name="threshold"/> is not a finite number &gt;= 0.</exception>
    public ReLU(double? maxValue = null, double negativeSlope = 0, double threshold = 0, int[]? inputShape = null, string? name = null)
        : base(name, inputShape)
    {
        if (maxValue is double m && !(m >= 0)) throw new ArgumentException($"{Describe()}: maxValue must be >= 0, received {m}.");
        if (!(negativeSlope >= 0)) throw new ArgumentException($"{Describe()}: negativeSlope must be >= 0, received {negativeSlope}.");
        if (!(threshold >= 0) || double.IsInfinity(threshold)) throw new ArgumentException($"{Describe()}: threshold must be a finite number >= 0, received {threshold}.");
        MaxValue = maxValue;
        NegativeSlope = negativeSlope;
        Threshold = threshold;
    }

    /// <summary>The saturation value, or null.</summary>
    public double? MaxValue { get; }

    /// <summary>The slope below the threshold.</summary>
    public double NegativeSlope { get; }

    /// <summary>The threshold.</summary>
    public double Threshold { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Ops.Relu(x, NegativeSlope, MaxValue, Threshold);

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["max_value"] = MaxValue;
        config["negative_slope"] = NegativeSlope;
        config["threshold"] = Threshold;
        return config;
    }

    internal static ReLU FromConfig(JsonObject c) =>
        new(c["max_value"] is null ? null : c.GetDouble("max_value", 0), c.GetDouble("negative_slope", 0), c.GetDouble("threshold", 0), name: c.GetString("name"));
}

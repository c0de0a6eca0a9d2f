using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Initializers;

/// <summary>Which fan scales the variance.</summary>
public enum FanMode
{
    /// <summary>Inputs per unit: prod(shape[:-1]) (Keras "fan_in").</summary>
    FanIn,
    /// <summary>Outputs per unit: shape[-1] times the receptive field (Keras "fan_out").</summary>
    FanOut,
    /// <summary>The mean of fan-in and fan-out (Keras "fan_avg").</summary>
    FanAvg,
}

/// <summary>The distribution samples are drawn from.</summary>
public enum Distribution
{
    /// <summary>Normal truncated at two standard deviations, rescaled to keep the variance (Keras "truncated_normal").</summary>
    TruncatedNormal,
    /// <summary>Plain normal (Keras "untruncated_normal").</summary>
    UntruncatedNormal,
    /// <summary>Uniform in ±sqrt(3 variance) (Keras "uniform").</summary>
    Uniform,
}

/// <summary>
/// Keras's VarianceScaling, the family behind glorot_*, he_* and lecun_*:
/// variance = scale / fan; uniform limit sqrt(3 variance); truncated normal stddev
/// sqrt(variance) / 0.87962566103423978 (the stddev of a unit normal truncated at ±2).
/// </summary>
/// <param name="scale">Variance multiplier, positive; default 1 (2 for the He initializers).</param>
/// <param name="mode">Which fan divides the scale (Keras <c>mode</c>); default <see cref="FanMode.FanIn"/>.</param>
/// <param name="distribution">Sampling distribution (Keras <c>distribution</c>); default <see cref="Distribution.TruncatedNormal"/>.</param>
public sealed class VarianceScaling(double scale = 1, FanMode mode = FanMode.FanIn, Distribution distribution = Distribution.TruncatedNormal) : Initializer
{
    /// <summary>glorot_uniform, Keras's default kernel initializer.</summary>
    public static VarianceScaling GlorotUniform() => new(1, FanMode.FanAvg, Distribution.Uniform);
    /// <summary>glorot_normal.</summary>
    public static VarianceScaling GlorotNormal() => new(1, FanMode.FanAvg, Distribution.TruncatedNormal);
    /// <summary>he_normal.</summary>
    public static VarianceScaling HeNormal() => new(2, FanMode.FanIn, Distribution.TruncatedNormal);
    /// <summary>he_uniform.</summary>
    public static VarianceScaling HeUniform() => new(2, FanMode.FanIn, Distribution.Uniform);

    /// <inheritdoc/>
    protected override void Fill(float[] target, int[] shape)
    {
        var (fanIn, fanOut) = Fans(shape);
        double fan = mode switch { FanMode.FanIn => fanIn, FanMode.FanOut => fanOut, _ => (fanIn + fanOut) / 2 };
        double variance = scale / Math.Max(1, fan);
        switch (distribution)
        {
            case Distribution.Uniform:
                double limit = Math.Sqrt(3 * variance);
                NormLabRandom.FillUniform(target, -limit, limit);
                break;
            case Distribution.TruncatedNormal:
                NormLabRandom.FillTruncatedNormal(target, 0, Math.Sqrt(variance) / 0.87962566103423978);
                break;
            default:
                NormLabRandom.FillNormal(target, 0, Math.Sqrt(variance));
                break;
        }
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => NamedRegistry<Initializer>.ToConfig("VarianceScaling", new()
    {
        ["scale"] = scale,
        ["mode"] = mode.ToString(),
        ["distribution"] = distribution.ToString(),
    });

    internal static VarianceScaling FromConfig(JsonObject c) => new(
        c.GetDouble("scale", 1),
        Enum.Parse<FanMode>(c.GetString("mode", nameof(FanMode.FanIn))!),
        Enum.Parse<Distribution>(c.GetString("distribution", nameof(Distribution.TruncatedNormal))!));
}

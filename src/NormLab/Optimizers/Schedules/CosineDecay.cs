using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Optimizers.Schedules;

/// <summary>
/// Keras's CosineDecay, with an optional linear warmup: from <paramref name="initialLearningRate"/> the rate
/// rises linearly to <paramref name="warmupTarget"/> over <paramref name="warmupSteps"/> steps, then follows
/// <c>peak * ((1 - alpha) * 0.5 * (1 + cos(pi * t / decaySteps)) + alpha)</c> and stays at <c>alpha * peak</c>
/// after <paramref name="decaySteps"/> more steps (peak = warmupTarget, or initialLearningRate without warmup).
/// </summary>
/// <param name="initialLearningRate">The rate at step 0 (>= 0; 0 is common with warmup).</param>
/// <param name="decaySteps">Steps of the cosine decay (> 0).</param>
/// <param name="alpha">The final rate as a fraction of the peak (in [0, 1], default 0).</param>
/// <param name="warmupTarget">The rate reached after warmup (> 0), or null for no warmup (Keras's None).</param>
/// <param name="warmupSteps">Steps of the linear warmup (>= 0, default 0).</param>
public sealed class CosineDecay(double initialLearningRate, double decaySteps, double alpha = 0.0, double? warmupTarget = null, double warmupSteps = 0)
    : LearningRateSchedule
{
    private readonly double initialLearningRate = AtLeast(nameof(CosineDecay), nameof(initialLearningRate), initialLearningRate, 0);
    private readonly double decaySteps = AtLeast(nameof(CosineDecay), nameof(decaySteps), decaySteps, 0, minExcluded: true);
    private readonly double alpha = Fraction(nameof(CosineDecay), nameof(alpha), alpha);
    private readonly double? warmupTarget = warmupTarget is double target ? AtLeast(nameof(CosineDecay), nameof(warmupTarget), target, 0, minExcluded: true) : null;
    private readonly double warmupSteps = AtLeast(nameof(CosineDecay), nameof(warmupSteps), warmupSteps, 0);

    /// <inheritdoc/>
    public override double Call(long step)
    {
        if (warmupTarget is not double target) return Decayed(Math.Min(step, decaySteps), initialLearningRate);
        double at = Math.Min(step, decaySteps + warmupSteps);
        return at < warmupSteps
            ? (target - initialLearningRate) * (at / warmupSteps) + initialLearningRate
            : Decayed(at - warmupSteps, target);
    }

    private double Decayed(double step, double from) => from * ((1 - alpha) * 0.5 * (1 + Math.Cos(Math.PI * step / decaySteps)) + alpha);

    /// <summary>A value checked to lie in [0, 1].</summary>
    internal static double Fraction(string schedule, string name, double value) =>
        value is >= 0 and <= 1 ? value : throw new ArgumentException($"{schedule}: {name} must be in [0, 1], received {value}.");

    /// <inheritdoc/>
    public override JsonObject GetConfig() => NamedRegistry<LearningRateSchedule>.ToConfig(nameof(CosineDecay), new()
    {
        ["initial_learning_rate"] = initialLearningRate,
        ["decay_steps"] = decaySteps,
        ["alpha"] = alpha,
        ["warmup_target"] = warmupTarget,
        ["warmup_steps"] = warmupSteps,
    });

    internal static CosineDecay FromConfig(JsonObject c) => new(
        Required(c, nameof(CosineDecay), "initial_learning_rate"), Required(c, nameof(CosineDecay), "decay_steps"),
        c.GetDouble("alpha", 0), c["warmup_target"] is JsonValue t ? t.GetValue<double>() : null, c.GetDouble("warmup_steps", 0));
}

using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Optimizers.Schedules;

/// <summary>
/// <c>initialLearningRate * decayRate ^ (step / decaySteps)</c>, the exponent floored when
/// <paramref name="staircase"/> (Keras's ExponentialDecay).
/// </summary>
/// <param name="initialLearningRate">The rate at step 0 (> 0).</param>
/// <param name="decaySteps">Steps per factor of <paramref name="decayRate"/> (> 0).</param>
/// <param name="decayRate">The factor applied every <paramref name="decaySteps"/> steps (> 0).</param>
/// <param name="staircase">Decay in whole steps of <paramref name="decaySteps"/> (default false).</param>
public sealed class ExponentialDecay(double initialLearningRate, double decaySteps, double decayRate, bool staircase = false) : LearningRateSchedule
{
    private readonly double initialLearningRate = AtLeast(nameof(ExponentialDecay), nameof(initialLearningRate), initialLearningRate, 0, minExcluded: true);
    private readonly double decaySteps = AtLeast(nameof(ExponentialDecay), nameof(decaySteps), decaySteps, 0, minExcluded: true);
    private readonly double decayRate = AtLeast(nameof(ExponentialDecay), nameof(decayRate), decayRate, 0, minExcluded: true);

    /// <inheritdoc/>
    public override double Call(long step)
    {
        double p = step / decaySteps;
        return initialLearningRate * Math.Pow(decayRate, staircase ? Math.Floor(p) : p);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => NamedRegistry<LearningRateSchedule>.ToConfig(nameof(ExponentialDecay), new()
    {
        ["initial_learning_rate"] = initialLearningRate,
        ["decay_steps"] = decaySteps,
        ["decay_rate"] = decayRate,
        ["staircase"] = staircase,
    });

    internal static ExponentialDecay FromConfig(JsonObject c) => new(
        Required(c, nameof(ExponentialDecay), "initial_learning_rate"), Required(c, nameof(ExponentialDecay), "decay_steps"),
        Required(c, nameof(ExponentialDecay), "decay_rate"), c.GetBool("staircase", false));
}

using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Optimizers.Schedules;

/// <summary>
/// <c>initialLearningRate / (1 + decayRate * step / decaySteps)</c>, the ratio floored when
/// <paramref name="staircase"/> (Keras's InverseTimeDecay).
/// </summary>
/// <param name="initialLearningRate">The rate at step 0 (> 0).</param>
/// <param name="decaySteps">The step scale of the decay (> 0).</param>
/// <param name="decayRate">How fast the rate falls (>= 0).</param>
/// <param name="staircase">Decay in whole steps of <paramref name="decaySteps"/> (default false).</param>
public sealed class InverseTimeDecay(double initialLearningRate, double decaySteps, double decayRate, bool staircase = false) : LearningRateSchedule
{
    private readonly double initialLearningRate = AtLeast(nameof(InverseTimeDecay), nameof(initialLearningRate), initialLearningRate, 0, minExcluded: true);
    private readonly double decaySteps = AtLeast(nameof(InverseTimeDecay), nameof(decaySteps), decaySteps, 0, minExcluded: true);
    private readonly double decayRate = AtLeast(nameof(InverseTimeDecay), nameof(decayRate), decayRate, 0);

    /// <inheritdoc/>
    public override double Call(long step)
    {
        double p = step / decaySteps;
        return initialLearningRate / (1 + decayRate * (staircase ? Math.Floor(p) : p));
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => NamedRegistry<LearningRateSchedule>.ToConfig(nameof(InverseTimeDecay), new()
    {
        ["initial_learning_rate"] = initialLearningRate,
        ["decay_steps"] = decaySteps,
        ["decay_rate"] = decayRate,
        ["staircase"] = staircase,
    });

    internal static InverseTimeDecay FromConfig(JsonObject c) => new(
        Required(c, nameof(InverseTimeDecay), "initial_learning_rate"), Required(c, nameof(InverseTimeDecay), "decay_steps"),
        Required(c, nameof(InverseTimeDecay), "decay_rate"), c.GetBool("staircase", false));
}

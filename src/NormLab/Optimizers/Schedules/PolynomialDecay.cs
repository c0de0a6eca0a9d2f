using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Optimizers.Schedules;

/// <summary>
/// Keras's PolynomialDecay: <c>(initialLearningRate - endLearningRate) * (1 - step / decaySteps) ^ power + endLearningRate</c>
/// with the step capped at <paramref name="decaySteps"/>; with <paramref name="cycle"/>, decaySteps grows to the next
/// multiple of itself instead, so the rate jumps back up and decays again.
/// </summary>
/// <param name="initialLearningRate">The rate at step 0 (> 0).</param>
/// <param name="decaySteps">Steps to reach <paramref name="endLearningRate"/> (> 0).</param>
/// <param name="endLearningRate">The final rate (>= 0, Keras default 1e-4).</param>
/// <param name="power">The polynomial's power (> 0, default 1: linear).</param>
/// <param name="cycle">Restart after <paramref name="decaySteps"/> (default false).</param>
public sealed class PolynomialDecay(double initialLearningRate, double decaySteps, double endLearningRate = 0.0001, double power = 1.0, bool cycle = false)
    : LearningRateSchedule
{
    private readonly double initialLearningRate = AtLeast(nameof(PolynomialDecay), nameof(initialLearningRate), initialLearningRate, 0, minExcluded: true);
    private readonly double decaySteps = AtLeast(nameof(PolynomialDecay), nameof(decaySteps), decaySteps, 0, minExcluded: true);
    private readonly double endLearningRate = AtLeast(nameof(PolynomialDecay), nameof(endLearningRate), endLearningRate, 0);
    private readonly double power = AtLeast(nameof(PolynomialDecay), nameof(power), power, 0, minExcluded: true);

    /// <inheritdoc/>
    public override double Call(long step)
    {
        double steps = decaySteps, at = step;
        // As Keras: at step 0 a cycling schedule uses one period, not zero.
        if (cycle) steps *= step == 0 ? 1 : Math.Ceiling(step / decaySteps);
        else at = Math.Min(at, decaySteps);
        return (initialLearningRate - endLearningRate) * Math.Pow(1 - at / steps, power) + endLearningRate;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => NamedRegistry<LearningRateSchedule>.ToConfig(nameof(PolynomialDecay), new()
    {
        ["initial_learning_rate"] = initialLearningRate,
        ["decay_steps"] = decaySteps,
        ["end_learning_rate"] = endLearningRate,
        ["power"] = power,
        ["cycle"] = cycle,
    });

    internal static PolynomialDecay FromConfig(JsonObject c) => new(
        Required(c, nameof(PolynomialDecay), "initial_learning_rate"), Required(c, nameof(PolynomialDecay), "decay_steps"),
        c.GetDouble("end_learning_rate", 0.0001), c.GetDouble("power", 1.0), c.GetBool("cycle", false));
}

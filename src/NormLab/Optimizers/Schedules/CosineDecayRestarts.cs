using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Optimizers.Schedules;

/// <summary>
/// Keras's CosineDecayRestarts (SGDR): cosine decay over <paramref name="firstDecaySteps"/>, then restarts, each
/// period <paramref name="tMul"/> times longer and its peak <paramref name="mMul"/> times lower than the last.
/// </summary>
/// <param name="initialLearningRate">The peak rate of the first period (> 0).</param>
/// <param name="firstDecaySteps">Steps of the first period (> 0).</param>
/// <param name="tMul">Growth of the period length (> 0, Keras's t_mul, default 2).</param>
/// <param name="mMul">Factor on the peak at each restart (>= 0, Keras's m_mul, default 1).</param>
/// <param name="alpha">The minimum rate as a fraction of the peak (in [0, 1], default 0).</param>
public sealed class CosineDecayRestarts(double initialLearningRate, double firstDecaySteps, double tMul = 2.0, double mMul = 1.0, double alpha = 0.0)
    : LearningRateSchedule
{
    private readonly double initialLearningRate = AtLeast(nameof(CosineDecayRestarts), nameof(initialLearningRate), initialLearningRate, 0, minExcluded: true);
    private readonly double firstDecaySteps = AtLeast(nameof(CosineDecayRestarts), nameof(firstDecaySteps), firstDecaySteps, 0, minExcluded: true);
    private readonly double tMul = AtLeast(nameof(CosineDecayRestarts), nameof(tMul), tMul, 0, minExcluded: true);
    private readonly double mMul = AtLeast(nameof(CosineDecayRestarts), nameof(mMul), mMul, 0);
    private readonly double alpha = CosineDecay.Fraction(nameof(CosineDecayRestarts), nameof(alpha), alpha);

    /// <inheritdoc/>
    public override double Call(long step)
    {
        double fraction = step / firstDecaySteps, restart;
        if (tMul == 1)
        {
            restart = Math.Floor(fraction);
            fraction -= restart;
        }
        else
        {
            // Periods of length 1, t, t², ...: the restart index solves (1 - t^i) / (1 - t) <= fraction.
            restart = Math.Floor(Math.Log(1 - fraction * (1 - tMul)) / Math.Log(tMul));
            double elapsed = (1 - Math.Pow(tMul, restart)) / (1 - tMul);
            fraction = (fraction - elapsed) / Math.Pow(tMul, restart);
        }
        double cosine = 0.5 * Math.Pow(mMul, restart) * (1 + Math.Cos(Math.PI * fraction));
        return initialLearningRate * ((1 - alpha) * cosine + alpha);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => NamedRegistry<LearningRateSchedule>.ToConfig(nameof(CosineDecayRestarts), new()
    {
        ["initial_learning_rate"] = initialLearningRate,
        ["first_decay_steps"] = firstDecaySteps,
        ["t_mul"] = tMul,
        ["m_mul"] = mMul,
        ["alpha"] = alpha,
    });

    internal static CosineDecayRestarts FromConfig(JsonObject c) => new(
        Required(c, nameof(CosineDecayRestarts), "initial_learning_rate"), Required(c, nameof(CosineDecayRestarts), "first_decay_steps"),
        c.GetDouble("t_mul", 2), c.GetDouble("m_mul", 1), c.GetDouble("alpha", 0));
}

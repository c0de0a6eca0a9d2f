using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Optimizers.Schedules;

/// <summary>
/// A learning rate that changes with the optimizer's step count, as Keras's
/// <c>keras.optimizers.schedules.LearningRateSchedule</c>: pass one wherever a learning rate is expected,
/// <c>new Adam(learningRate: new ExponentialDecay(1e-2, decaySteps: 1000, decayRate: 0.9))</c>. A plain number
/// converts to a fixed rate, so <c>learningRate: 0.01</c> keeps working.
/// </summary>
public abstract class LearningRateSchedule
{
    private static readonly NamedRegistry<LearningRateSchedule> Registry = new("learning rate schedule", new()
    {
        ["ExponentialDecay"] = ExponentialDecay.FromConfig,
        ["PiecewiseConstantDecay"] = PiecewiseConstantDecay.FromConfig,
        ["InverseTimeDecay"] = InverseTimeDecay.FromConfig,
        ["PolynomialDecay"] = PolynomialDecay.FromConfig,
        ["CosineDecay"] = CosineDecay.FromConfig,
        ["CosineDecayRestarts"] = CosineDecayRestarts.FromConfig,
    });

    /// <summary>The learning rate at an optimizer step (Keras's <c>__call__(step)</c>); the optimizer passes its
    /// iteration count, 0 for its first update.</summary>
    /// <param name="step">The number of updates already applied (>= 0).</param>
    public abstract double Call(long step);

    /// <summary>The saved form, <c>{"class_name", "config"}</c> with Keras's argument names. A schedule defined
    /// outside NormLab overrides this (and can then be rebuilt only by code that knows its class).</summary>
    /// <exception cref="NotSupportedException">When the schedule does not override this method.</exception>
    public virtual JsonObject GetConfig() =>
        throw new NotSupportedException($"{GetType().Name}: this learning rate schedule cannot be saved; override GetConfig to save it.");

    /// <summary>Rebuilds a schedule from <see cref="GetConfig"/>'s output.</summary>
    /// <param name="config"><c>{"class_name": ..., "config": {...}}</c>.</param>
    public static LearningRateSchedule FromConfig(JsonNode? config) => Registry.FromConfig(config);

    /// <summary>A fixed learning rate, so that a number can be written where a schedule is accepted.</summary>
    /// <param name="learningRate">The rate (> 0 and finite, checked by the optimizer).</param>
    public static implicit operator LearningRateSchedule(double learningRate) => new FixedLearningRate(learningRate);

    /// <summary>A required hyperparameter of a saved schedule.</summary>
    internal static double Required(JsonObject config, string schedule, string key) =>
        config[key] is JsonValue v ? v.GetValue<double>() : throw new FormatException($"{schedule}: the saved config has no '{key}'.");

    /// <summary>A hyperparameter checked when a schedule is created: finite and at least <paramref name="min"/>
    /// (strictly above it when <paramref name="minExcluded"/>).</summary>
    internal static double AtLeast(string schedule, string name, double value, double min, bool minExcluded = false)
    {
        if (!(minExcluded ? value > min : value >= min) || double.IsInfinity(value))
            throw new ArgumentException($"{schedule}: {name} must be {(minExcluded ? ">" : ">=")} {min} and finite, received {value}.");
        return value;
    }
}

/// <summary>The rate of an optimizer created with a number; the optimizer saves it as that number, as Keras does.</summary>
internal sealed class FixedLearningRate(double value) : LearningRateSchedule
{
    internal double Value { get; } = value;

    public override double Call(long step) => Value;
}

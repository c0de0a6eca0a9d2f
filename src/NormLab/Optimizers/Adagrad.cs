using System.Text.Json.Nodes;
using NormLab.Optimizers.Schedules;

namespace NormLab.Optimizers;

/// <summary>Adagrad with Keras's defaults (learning rate 1e-3, initial accumulator 0.1, epsilon 1e-7 inside the square root).</summary>
/// <param name="learningRate">A number or a <see cref="LearningRateSchedule"/> (Keras default 0.001).</param>
/// <param name="initialAccumulatorValue">The starting value of the sum of squared gradients (>= 0).</param>
/// <param name="epsilon">Added inside the square root (>= 0).</param>
/// <param name="weightDecay">Decoupled weight decay <c>w -= w * weightDecay * lr</c> before each update (>= 0), or null for none.</param>
/// <param name="clipnorm">Clip each weight's gradient to this L2 norm (> 0), or null.</param>
/// <param name="clipvalue">Clip each gradient element to [-clipvalue, clipvalue] (> 0), or null.</param>
/// <param name="globalClipnorm">Clip all gradients together to this global L2 norm (> 0), or null; at most one of the three clips.</param>
/// <param name="useEma">Keep an exponential moving average of the weights, written into them at the end of Fit (default false).</param>
/// <param name="emaMomentum">The average's momentum (in [0, 1], default 0.99).</param>
/// <param name="emaOverwriteFrequency">Also write the average into the weights every this many steps (>= 1), or null.</param>
public sealed class Adagrad(LearningRateSchedule? learningRate = null, double initialAccumulatorValue = 0.1, double epsilon = 1e-7, double? weightDecay = null, double? clipnorm = null, double? clipvalue = null, double? globalClipnorm = null,
    bool useEma = false, double emaMomentum = 0.99, int? emaOverwriteFrequency = null)
    : Optimizer(learningRate, 0.001, weightDecay, clipnorm, clipvalue, globalClipnorm, useEma, emaMomentum, emaOverwriteFrequency)
{
    private readonly double initialAccumulatorValue = InRange("Adagrad", nameof(initialAccumulatorValue), initialAccumulatorValue, 0, double.MaxValue);
    private readonly double epsilon = InRange("Adagrad", nameof(epsilon), epsilon, 0, double.MaxValue);

    /// <inheritdoc/>
    protected override IReadOnlyList<string> SlotNames { get; } = ["accumulator"];

    /// <inheritdoc/>
    protected override float SlotInitialValue(int slot) => (float)initialAccumulatorValue;

    /// <inheritdoc/>
    protected override void Update(float[] weight, ReadOnlySpan<int> shape, float[] gradient, float[][] state, double learningRate)
    {
        var accumulator = state[0];
        float lr = (float)learningRate, eps = (float)epsilon;
        // Scalar math: acc += g²; w -= lr g / sqrt(acc + eps)
        for (int i = 0; i < weight.Length; i++)
        {
            float g = gradient[i];
            accumulator[i] += g * g;
            weight[i] -= lr * g / MathF.Sqrt(accumulator[i] + eps);
        }
    }

    /// <inheritdoc/>
    protected override void WriteConfig(JsonObject config)
    {
        config["initial_accumulator_value"] = initialAccumulatorValue;
        config["epsilon"] = epsilon;
    }
}

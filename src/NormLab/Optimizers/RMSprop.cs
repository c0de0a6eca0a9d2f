using System.Text.Json.Nodes;
using NormLab.Optimizers.Schedules;

namespace NormLab.Optimizers;

/// <summary>RMSprop with Keras's defaults (learning rate 1e-3, rho 0.9, epsilon 1e-7 inside the square root).</summary>
/// <param name="learningRate">A number or a <see cref="LearningRateSchedule"/> (Keras default 0.001).</param>
/// <param name="rho">Decay of the mean square (in [0, 1)).</param>
/// <param name="momentum">Momentum on the steps (in [0, 1], default 0).</param>
/// <param name="epsilon">Added inside the square root (>= 0).</param>
/// <param name="centered">Divide by the variance instead of the mean square (default false).</param>
/// <param name="weightDecay">Decoupled weight decay <c>w -= w * weightDecay * lr</c> before each update (>= 0), or null for none.</param>
/// <param name="clipnorm">Clip each weight's gradient to this L2 norm (> 0), or null.</param>
/// <param name="clipvalue">Clip each gradient element to [-clipvalue, clipvalue] (> 0), or null.</param>
/// <param name="globalClipnorm">Clip all gradients together to this global L2 norm (> 0), or null; at most one of the three clips.</param>
/// <param name="useEma">Keep an exponential moving average of the weights, written into them at the end of Fit (default false).</param>
/// <param name="emaMomentum">The average's momentum (in [0, 1], default 0.99).</param>
/// <param name="emaOverwriteFrequency">Also write the average into the weights every this many steps (>= 1), or null.</param>
public sealed class RMSprop(LearningRateSchedule? learningRate = null, double rho = 0.9, double momentum = 0, double epsilon = 1e-7, bool centered = false, double? weightDecay = null, double? clipnorm = null, double? clipvalue = null, double? globalClipnorm = null,
    bool useEma = false, double emaMomentum = 0.99, int? emaOverwriteFrequency = null)
    : Optimizer(learningRate, 0.001, weightDecay, clipnorm, clipvalue, globalClipnorm, useEma, emaMomentum, emaOverwriteFrequency)
{
    private readonly double rho = InRange("RMSprop", nameof(rho), rho, 0, 1, maxExcluded: true);
    private readonly double momentum = InRange("RMSprop", nameof(momentum), momentum, 0, 1);
    private readonly double epsilon = InRange("RMSprop", nameof(epsilon), epsilon, 0, double.MaxValue);

    /// <inheritdoc/>
    protected override IReadOnlyList<string> SlotNames { get; } = ["velocity", "average_gradient", "momentum"];

    /// <inheritdoc/>
    protected override void Update(float[] weight, ReadOnlySpan<int> shape, float[] gradient, float[][] state, double learningRate)
    {
        var (velocity, average, moment) = (state[0], state[1], state[2]);
        float r = (float)rho, lr = (float)learningRate, mu = (float)momentum, eps = (float)epsilon;
        // Scalar math: v = rho v + (1 - rho) g²; step = lr g / sqrt(v - (centered ? avg² : 0) + eps)
        for (int i = 0; i < weight.Length; i++)
        {
            float g = gradient[i];
            velocity[i] = r * velocity[i] + (1 - r) * g * g;
            float denominator = velocity[i] + eps;
            if (centered)
            {
                average[i] = r * average[i] + (1 - r) * g;
                denominator -= average[i] * average[i];
            }
            float step = lr * g / MathF.Sqrt(denominator);
            if (mu > 0) { moment[i] = mu * moment[i] + step; step = moment[i]; }
            weight[i] -= step;
        }
    }

    /// <inheritdoc/>
    protected override void WriteConfig(JsonObject config)
    {
        config["rho"] = rho;
        config["momentum"] = momentum;
        config["epsilon"] = epsilon;
        config["centered"] = centered;
    }
}

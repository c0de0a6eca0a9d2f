using System.Text.Json.Nodes;
using NormLab.Optimizers.Schedules;

namespace NormLab.Optimizers;

/// <summary>Adadelta with Keras's defaults (learning rate 1e-3, rho 0.95, epsilon 1e-7).</summary>
/// <param name="learningRate">A number or a <see cref="LearningRateSchedule"/> (Keras default 0.001).</param>
/// <param name="rho">Decay of the mean squares of gradients and updates (in [0, 1)).</param>
/// <param name="epsilon">Added inside both square roots (>= 0).</param>
/// <param name="weightDecay">Decoupled weight decay <c>w -= w * weightDecay * lr</c> before each update (>= 0), or null for none.</param>
/// <param name="clipnorm">Clip each weight's gradient to this L2 norm (> 0), or null.</param>
/// <param name="clipvalue">Clip each gradient element to [-clipvalue, clipvalue] (> 0), or null.</param>
/// <param name="globalClipnorm">Clip all gradients together to this global L2 norm (> 0), or null; at most one of the three clips.</param>
/// <param name="useEma">Keep an exponential moving average of the weights, written into them at the end of Fit (default false).</param>
/// <param name="emaMomentum">The average's momentum (in [0, 1], default 0.99).</param>
/// <param name="emaOverwriteFrequency">Also write the average into the weights every this many steps (>= 1), or null.</param>
public sealed class Adadelta(LearningRateSchedule? learningRate = null, double rho = 0.95, double epsilon = 1e-7, double? weightDecay = null, double? clipnorm = null, double? clipvalue = null, double? globalClipnorm = null,
    bool useEma = false, double emaMomentum = 0.99, int? emaOverwriteFrequency = null)
    : Optimizer(learningRate, 0.001, weightDecay, clipnorm, clipvalue, globalClipnorm, useEma, emaMomentum, emaOverwriteFrequency)
{
    private readonly double rho = InRange("Adadelta", nameof(rho), rho, 0, 1, maxExcluded: true);
    private readonly double epsilon = InRange("Adadelta", nameof(epsilon), epsilon, 0, double.MaxValue);

    /// <inheritdoc/>
    protected override IReadOnlyList<string> SlotNames { get; } = ["accumulated_grad", "accumulated_delta_var"];

    /// <inheritdoc/>
    protected override void Update(float[] weight, ReadOnlySpan<int> shape, float[] gradient, float[][] state, double learningRate)
    {
        var (squares, deltas) = (state[0], state[1]);
        float r = (float)rho, eps = (float)epsilon, lr = (float)learningRate;
        // Scalar math: E[g²] = rho E[g²] + (1 - rho) g²; d = -sqrt(E[d²] + eps) g / sqrt(E[g²] + eps);
        //              E[d²] = rho E[d²] + (1 - rho) d²; w += lr d
        for (int i = 0; i < weight.Length; i++)
        {
            float g = gradient[i];
            squares[i] = r * squares[i] + (1 - r) * g * g;
            float delta = -MathF.Sqrt(deltas[i] + eps) * g / MathF.Sqrt(squares[i] + eps);
            deltas[i] = r * deltas[i] + (1 - r) * delta * delta;
            weight[i] += lr * delta;
        }
    }

    /// <inheritdoc/>
    protected override void WriteConfig(JsonObject config)
    {
        config["rho"] = rho;
        config["epsilon"] = epsilon;
    }
}

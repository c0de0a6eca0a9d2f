using System.Text.Json.Nodes;
using NormLab.Optimizers.Schedules;

namespace NormLab.Optimizers;

/// <summary>Stochastic gradient descent with optional (Nesterov) momentum; Keras's defaults (learning rate 0.01).</summary>
/// <param name="learningRate">A number or a <see cref="LearningRateSchedule"/> (Keras default 0.01).</param>
/// <param name="momentum">Velocity decay (in [0, 1], default 0: plain SGD).</param>
/// <param name="nesterov">Use Nesterov momentum (default false).</param>
/// <param name="weightDecay">Decoupled weight decay <c>w -= w * weightDecay * lr</c> before each update (>= 0), or null for none.</param>
/// <param name="clipnorm">Clip each weight's gradient to this L2 norm (> 0), or null.</param>
/// <param name="clipvalue">Clip each gradient element to [-clipvalue, clipvalue] (> 0), or null.</param>
/// <param name="globalClipnorm">Clip all gradients together to this global L2 norm (> 0), or null; at most one of the three clips.</param>
/// <param name="useEma">Keep an exponential moving average of the weights, written into them at the end of Fit (default false).</param>
/// <param name="emaMomentum">The average's momentum (in [0, 1], default 0.99).</param>
/// <param name="emaOverwriteFrequency">Also write the average into the weights every this many steps (>= 1), or null.</param>
public sealed class SGD(LearningRateSchedule? learningRate = null, double momentum = 0, bool nesterov = false, double? weightDecay = null, double? clipnorm = null, double? clipvalue = null, double? globalClipnorm = null,
    bool useEma = false, double emaMomentum = 0.99, int? emaOverwriteFrequency = null)
    : Optimizer(learningRate, 0.01, weightDecay, clipnorm, clipvalue, globalClipnorm, useEma, emaMomentum, emaOverwriteFrequency)
{
    // Keras: "`momentum` must be a float between [0, 1]."
    private readonly double momentum = InRange("SGD", nameof(momentum), momentum, 0, 1);

    /// <inheritdoc/>
    protected override IReadOnlyList<string> SlotNames { get; } = momentum > 0 ? ["momentum"] : [];

    /// <inheritdoc/>
    protected override void Update(float[] weight, ReadOnlySpan<int> shape, float[] gradient, float[][] state, double learningRate)
    {
        float lr = (float)learningRate, mu = (float)momentum;
        if (mu == 0)
        {
            for (int i = 0; i < weight.Length; i++) weight[i] -= lr * gradient[i];
            return;
        }
        var velocity = state[0];
        // Scalar math: v = mu v - lr g; w += nesterov ? mu v - lr g : v
        for (int i = 0; i < weight.Length; i++)
        {
            velocity[i] = mu * velocity[i] - lr * gradient[i];
            weight[i] += nesterov ? mu * velocity[i] - lr * gradient[i] : velocity[i];
        }
    }

    /// <inheritdoc/>
    protected override void WriteConfig(JsonObject config)
    {
        config["momentum"] = momentum;
        config["nesterov"] = nesterov;
    }
}

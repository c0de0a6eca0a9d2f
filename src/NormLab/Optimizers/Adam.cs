using System.Text.Json.Nodes;
using NormLab.Optimizers.Schedules;

namespace NormLab.Optimizers;

/// <summary>Adam with Keras's defaults (learning rate 1e-3, beta1 0.9, beta2 0.999, epsilon 1e-7 outside the square root).</summary>
/// <param name="learningRate">A number or a <see cref="LearningRateSchedule"/> (Keras default 0.001).</param>
/// <param name="beta1">Decay of the first moment (in [0, 1), Keras's beta_1).</param>
/// <param name="beta2">Decay of the second moment (in [0, 1), Keras's beta_2).</param>
/// <param name="epsilon">Added to the root of the second moment (>= 0).</param>
/// <param name="weightDecay">Decoupled weight decay <c>w -= w * weightDecay * lr</c> before each update (>= 0), or null for none.</param>
/// <param name="clipnorm">Clip each weight's gradient to this L2 norm (> 0), or null.</param>
/// <param name="clipvalue">Clip each gradient element to [-clipvalue, clipvalue] (> 0), or null.</param>
/// <param name="globalClipnorm">Clip all gradients together to this global L2 norm (> 0), or null; at most one of the three clips.</param>
/// <param name="useEma">Keep an exponential moving average of the weights, written into them at the end of Fit (default false).</param>
/// <param name="emaMomentum">The average's momentum (in [0, 1], default 0.99).</param>
/// <param name="emaOverwriteFrequency">Also write the average into the weights every this many steps (>= 1), or null.</param>
public class Adam(LearningRateSchedule? learningRate = null, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7, double? weightDecay = null, double? clipnorm = null, double? clipvalue = null, double? globalClipnorm = null,
    bool useEma = false, double emaMomentum = 0.99, int? emaOverwriteFrequency = null)
    : Optimizer(learningRate, 0.001, weightDecay, clipnorm, clipvalue, globalClipnorm, useEma, emaMomentum, emaOverwriteFrequency)
{
    private readonly double beta1 = InRange("Adam", nameof(beta1), beta1, 0, 1, maxExcluded: true);
    private readonly double beta2 = InRange("Adam", nameof(beta2), beta2, 0, 1, maxExcluded: true);
    private readonly double epsilon = InRange("Adam", nameof(epsilon), epsilon, 0, double.MaxValue);

    /// <inheritdoc/>
    protected override IReadOnlyList<string> SlotNames { get; } = ["momentum", "velocity"];

    /// <inheritdoc/>
    protected override void Update(float[] weight, ReadOnlySpan<int> shape, float[] gradient, float[][] state, double learningRate)
    {
        long t = Iterations + 1;
        // Scalar math: alpha = lr sqrt(1 - b2^t) / (1 - b1^t); m += (g - m)(1 - b1); v += (g² - v)(1 - b2); w -= alpha m / (sqrt v + eps)
        double alpha = learningRate * Math.Sqrt(1 - Math.Pow(beta2, t)) / (1 - Math.Pow(beta1, t));
        Kernels.ElementwiseKernel.Adam(weight, gradient, state[0], state[1], (float)alpha, (float)(1 - beta1), (float)(1 - beta2), (float)epsilon);
    }

    /// <inheritdoc/>
    protected override void WriteConfig(JsonObject config)
    {
        config["beta_1"] = beta1;
        config["beta_2"] = beta2;
        config["epsilon"] = epsilon;
    }
}

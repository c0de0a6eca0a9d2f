using System.Text.Json.Nodes;
using NormLab.Optimizers.Schedules;

namespace NormLab.Optimizers;

/// <summary>Adam with Nesterov momentum and Keras's momentum schedule <c>u_t = beta1 (1 - 0.5 * 0.96^t)</c>; Keras's defaults (learning rate 1e-3, beta1 0.9, beta2 0.999, epsilon 1e-7).</summary>
/// <param name="learningRate">A number or a <see cref="LearningRateSchedule"/> (Keras default 0.001).</param>
/// <param name="beta1">Decay of the first moment (in [0, 1), Keras's beta_1).</param>
/// <param name="beta2">Decay of the second moment (in [0, 1), Keras's beta_2).</param>
/// <param name="epsilon">Added to the root of the bias-corrected second moment (>= 0).</param>
/// <param name="weightDecay">Decoupled weight decay <c>w -= w * weightDecay * lr</c> before each update (>= 0), or null for none.</param>
/// <param name="clipnorm">Clip each weight's gradient to this L2 norm (> 0), or null.</param>
/// <param name="clipvalue">Clip each gradient element to [-clipvalue, clipvalue] (> 0), or null.</param>
/// <param name="globalClipnorm">Clip all gradients together to this global L2 norm (> 0), or null; at most one of the three clips.</param>
/// <param name="useEma">Keep an exponential moving average of the weights, written into them at the end of Fit (default false).</param>
/// <param name="emaMomentum">The average's momentum (in [0, 1], default 0.99).</param>
/// <param name="emaOverwriteFrequency">Also write the average into the weights every this many steps (>= 1), or null.</param>
public sealed class Nadam(LearningRateSchedule? learningRate = null, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7, double? weightDecay = null, double? clipnorm = null, double? clipvalue = null, double? globalClipnorm = null,
    bool useEma = false, double emaMomentum = 0.99, int? emaOverwriteFrequency = null)
    : Optimizer(learningRate, 0.001, weightDecay, clipnorm, clipvalue, globalClipnorm, useEma, emaMomentum, emaOverwriteFrequency)
{
    private readonly double beta1 = InRange("Nadam", nameof(beta1), beta1, 0, 1, maxExcluded: true);
    private readonly double beta2 = InRange("Nadam", nameof(beta2), beta2, 0, 1, maxExcluded: true);
    private readonly double epsilon = InRange("Nadam", nameof(epsilon), epsilon, 0, double.MaxValue);

    // The product of the momentum schedule u_1 ... u_t over the steps taken, shared by all weights (Keras's _u_product).
    private double momentumProduct = 1;

    /// <inheritdoc/>
    protected override IReadOnlyList<string> SlotNames { get; } = ["momentum", "velocity"];

    private double MomentumAt(long step) => beta1 * (1 - 0.5 * Math.Pow(0.96, step));

    /// <inheritdoc/>
    protected override void BeginStep() => momentumProduct *= MomentumAt(Iterations + 1);

    /// <inheritdoc/>
    protected override void Update(float[] weight, ReadOnlySpan<int> shape, float[] gradient, float[][] state, double learningRate)
    {
        long t = Iterations + 1;
        double u = MomentumAt(t), uNext = MomentumAt(t + 1);
        // Coefficients of m and g in m̂, and 1 / (1 - b2^t) for v̂.
        float cm = (float)(uNext / (1 - momentumProduct * uNext)), cg = (float)((1 - u) / (1 - momentumProduct));
        float vScale = (float)(1 / (1 - Math.Pow(beta2, t)));
        float b1 = (float)(1 - beta1), b2 = (float)(1 - beta2), lr = (float)learningRate, eps = (float)epsilon;
        var (m, v) = (state[0], state[1]);
        // Scalar math: m += (g - m)(1 - b1); v += (g² - v)(1 - b2); m̂ = cm m + cg g; w -= lr m̂ / (sqrt(v / (1 - b2^t)) + eps)
        for (int i = 0; i < weight.Length; i++)
        {
            float g = gradient[i];
            m[i] += (g - m[i]) * b1;
            v[i] += (g * g - v[i]) * b2;
            weight[i] -= lr * (cm * m[i] + cg * g) / (MathF.Sqrt(v[i] * vScale) + eps);
        }
    }

    /// <inheritdoc/>
    protected override void WriteConfig(JsonObject config)
    {
        config["beta_1"] = beta1;
        config["beta_2"] = beta2;
        config["epsilon"] = epsilon;
    }

    /// <inheritdoc/>
    protected override void WriteState(JsonObject state) => state["u_product"] = momentumProduct;

    /// <inheritdoc/>
    protected override void ReadState(JsonObject state) =>
        momentumProduct = state["u_product"]?.GetValue<double>() ?? throw new FormatException("Nadam: the saved optimizer state has no u_product.");
}

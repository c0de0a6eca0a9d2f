using System.Text.Json.Nodes;
using NormLab.Optimizers.Schedules;

namespace NormLab.Optimizers;

/// <summary>Lion (evolved sign momentum); Keras's defaults (learning rate 1e-3, beta1 0.9, beta2 0.99). Its steps are signs, so its learning rate is usually 3-10x smaller than AdamW's.</summary>
/// <param name="learningRate">A number or a <see cref="LearningRateSchedule"/> (Keras default 0.001).</param>
/// <param name="beta1">Weight of the momentum in the update direction (in (0, 1], Keras's beta_1).</param>
/// <param name="beta2">Decay of the momentum (in [0, 1], Keras's beta_2).</param>
/// <param name="weightDecay">Decoupled weight decay <c>w -= w * weightDecay * lr</c> before each update (>= 0), or null for none.</param>
/// <param name="clipnorm">Clip each weight's gradient to this L2 norm (> 0), or null.</param>
/// <param name="clipvalue">Clip each gradient element to [-clipvalue, clipvalue] (> 0), or null.</param>
/// <param name="globalClipnorm">Clip all gradients together to this global L2 norm (> 0), or null; at most one of the three clips.</param>
/// <param name="useEma">Keep an exponential moving average of the weights, written into them at the end of Fit (default false).</param>
/// <param name="emaMomentum">The average's momentum (in [0, 1], default 0.99).</param>
/// <param name="emaOverwriteFrequency">Also write the average into the weights every this many steps (>= 1), or null.</param>
public sealed class Lion(LearningRateSchedule? learningRate = null, double beta1 = 0.9, double beta2 = 0.99, double? weightDecay = null, double? clipnorm = null, double? clipvalue = null, double? globalClipnorm = null,
    bool useEma = false, double emaMomentum = 0.99, int? emaOverwriteFrequency = null)
    : Optimizer(learningRate, 0.001, weightDecay, clipnorm, clipvalue, globalClipnorm, useEma, emaMomentum, emaOverwriteFrequency)
{
    // Keras: beta_1 = 0 makes Lion plain SignSGD, which it rejects.
    private readonly double beta1 = beta1 > 0 ? InRange("Lion", nameof(beta1), beta1, 0, 1) : throw new ArgumentException($"Lion: beta1 must be in (0, 1], received {beta1}.");
    private readonly double beta2 = InRange("Lion", nameof(beta2), beta2, 0, 1);

    /// <inheritdoc/>
    protected override IReadOnlyList<string> SlotNames { get; } = ["momentum"];

    /// <inheritdoc/>
    protected override void Update(float[] weight, ReadOnlySpan<int> shape, float[] gradient, float[][] state, double learningRate)
    {
        var m = state[0];
        float b1 = (float)beta1, b2 = (float)beta2, lr = (float)learningRate;
        // Scalar math: w -= lr sign(b1 m + (1 - b1) g); m = b2 m + (1 - b2) g
        for (int i = 0; i < weight.Length; i++)
        {
            float g = gradient[i];
            weight[i] -= lr * Sign(m[i] * b1 + g * (1 - b1));
            m[i] = m[i] * b2 + g * (1 - b2);
        }
    }

    // The sign that keeps a NaN (as Keras's ops.sign); MathF.Sign would throw on one.
    private static float Sign(float v) => v > 0 ? 1 : v < 0 ? -1 : v;

    /// <inheritdoc/>
    protected override void WriteConfig(JsonObject config)
    {
        config["beta_1"] = beta1;
        config["beta_2"] = beta2;
    }
}

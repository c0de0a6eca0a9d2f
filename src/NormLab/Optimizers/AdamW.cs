using System.Text.Json.Nodes;
using NormLab.Optimizers.Schedules;

namespace NormLab.Optimizers;

/// <summary>Adam with decoupled weight decay: Keras's AdamW, which is Adam with <c>weightDecay</c> 0.004 by default.</summary>
/// <param name="learningRate">A number or a <see cref="LearningRateSchedule"/> (Keras default 0.001).</param>
/// <param name="beta1">Decay of the first moment (in [0, 1)).</param>
/// <param name="beta2">Decay of the second moment (in [0, 1)).</param>
/// <param name="epsilon">Added to the root of the second moment (>= 0).</param>
/// <param name="weightDecay">Decoupled weight decay <c>w -= w * weightDecay * lr</c> before each update (>= 0), or null for none.</param>
/// <param name="clipnorm">Clip each weight's gradient to this L2 norm (> 0), or null.</param>
/// <param name="clipvalue">Clip each gradient element to [-clipvalue, clipvalue] (> 0), or null.</param>
/// <param name="globalClipnorm">Clip all gradients together to this global L2 norm (> 0), or null; at most one of the three clips.</param>
/// <param name="useEma">Keep an exponential moving average of the weights, written into them at the end of Fit (default false).</param>
/// <param name="emaMomentum">The average's momentum (in [0, 1], default 0.99).</param>
/// <param name="emaOverwriteFrequency">Also write the average into the weights every this many steps (>= 1), or null.</param>
public sealed class AdamW(LearningRateSchedule? learningRate = null, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7, double weightDecay = 0.004, double? clipnorm = null, double? clipvalue = null, double? globalClipnorm = null,
    bool useEma = false, double emaMomentum = 0.99, int? emaOverwriteFrequency = null)
    : Adam(learningRate, beta1, beta2, epsilon, weightDecay, clipnorm, clipvalue, globalClipnorm, useEma, emaMomentum, emaOverwriteFrequency)
{

}

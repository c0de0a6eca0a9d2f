using System.Text.Json.Nodes;
using NormLab.Optimizers.Schedules;

namespace NormLab.Optimizers;

/// <summary>
/// Adafactor with Keras's defaults: the second moment of a weight of rank >= 2 is kept factored over its last two
/// axes (a row and a column average instead of a full array), the step is the root mean square of the weight
/// (at least <paramref name="epsilon2"/>) times <c>min(lr, 1 / sqrt(t))</c>, and each update is clipped to a root
/// mean square of <paramref name="clipThreshold"/>.
/// </summary>
/// <param name="learningRate">A number or a <see cref="LearningRateSchedule"/> (Keras default 0.001).</param>
/// <param name="beta2Decay">The second moment's decay is <c>1 - t^beta2Decay</c> (&lt;= 0, default -0.8).</param>
/// <param name="epsilon1">Added to the squared gradients (>= 0, default 1e-30).</param>
/// <param name="epsilon2">The smallest weight scale used for the step (>= 0, default 1e-3).</param>
/// <param name="clipThreshold">The largest root mean square of an update (> 0, default 1); independent of clipnorm.</param>
/// <param name="relativeStep">Keras's relative_step, kept for its config: the step is capped at 1 / sqrt(t) either way, as in Keras (default true).</param>
/// <param name="weightDecay">Decoupled weight decay <c>w -= w * weightDecay * lr</c> before each update (>= 0), or null for none.</param>
/// <param name="clipnorm">Clip each weight's gradient to this L2 norm (> 0), or null.</param>
/// <param name="clipvalue">Clip each gradient element to [-clipvalue, clipvalue] (> 0), or null.</param>
/// <param name="globalClipnorm">Clip all gradients together to this global L2 norm (> 0), or null; at most one of the three clips.</param>
/// <param name="useEma">Keep an exponential moving average of the weights, written into them at the end of Fit (default false).</param>
/// <param name="emaMomentum">The average's momentum (in [0, 1], default 0.99).</param>
/// <param name="emaOverwriteFrequency">Also write the average into the weights every this many steps (>= 1), or null.</param>
public sealed class Adafactor(LearningRateSchedule? learningRate = null, double beta2Decay = -0.8, double epsilon1 = 1e-30, double epsilon2 = 1e-3,
    double clipThreshold = 1.0, bool relativeStep = true, double? weightDecay = null, double? clipnorm = null, double? clipvalue = null,
    double? globalClipnorm = null, bool useEma = false, double emaMomentum = 0.99, int? emaOverwriteFrequency = null)
    : Optimizer(learningRate, 0.001, weightDecay, clipnorm, clipvalue, globalClipnorm, useEma, emaMomentum, emaOverwriteFrequency)
{
    private readonly double beta2Decay = InRange("Adafactor", nameof(beta2Decay), beta2Decay, double.MinValue, 0);
    private readonly double epsilon1 = InRange("Adafactor", nameof(epsilon1), epsilon1, 0, double.MaxValue);
    private readonly double epsilon2 = InRange("Adafactor", nameof(epsilon2), epsilon2, 0, double.MaxValue);
    private readonly double clipThreshold = clipThreshold > 0 && double.IsFinite(clipThreshold) ? clipThreshold
        : throw new ArgumentException($"Adafactor: clipThreshold must be > 0 and finite, received {clipThreshold}.");

    /// <inheritdoc/>
    protected override IReadOnlyList<string> SlotNames { get; } = ["r", "c", "velocity"];

    /// <summary>r drops the last axis, c the second last; a weight of rank &lt; 2 keeps scalar placeholders, as Keras.</summary>
    /// <param name="slot">The slot's index in <see cref="SlotNames"/> (0 r, 1 c, 2 velocity).</param>
    /// <param name="weightShape">The shape of the weight the slot belongs to.</param>
    protected override int[] SlotShape(int slot, ReadOnlySpan<int> weightShape)
    {
        if (slot == 2) return weightShape.ToArray();
        if (weightShape.Length < 2) return [];
        return slot == 0 ? weightShape[..^1].ToArray() : [.. weightShape[..^2], weightShape[^1]];
    }

    /// <inheritdoc/>
    protected override void Update(float[] weight, ReadOnlySpan<int> shape, float[] gradient, float[][] state, double learningRate)
    {
        var (r, c, v) = (state[0], state[1], state[2]);
        long t = Iterations + 1;
        double alpha = Math.Max(epsilon2, RootMeanSquare(weight)) * Math.Min(learningRate, 1 / Math.Sqrt(t));
        double decay = 1 - Math.Pow(t, beta2Decay);
        if (shape.Length >= 2) UpdateFactored(r, c, v, gradient, shape[^2], shape[^1], decay);
        else
            // Scalar math: v = decay v + (1 - decay)(g² + eps1)
            for (int i = 0; i < v.Length; i++) v[i] = (float)(decay * v[i] + (1 - decay) * ((double)gradient[i] * gradient[i] + epsilon1));
        // Scalar math: u = g / sqrt(v); w -= alpha u / max(1, rms(u) / clipThreshold)
        var update = new double[weight.Length];
        double sumSquares = 0;
        for (int i = 0; i < update.Length; i++)
        {
            update[i] = gradient[i] / Math.Sqrt(v[i]);
            sumSquares += update[i] * update[i];
        }
        double scale = alpha / Math.Max(1, Math.Sqrt(sumSquares / update.Length) / clipThreshold);
        for (int i = 0; i < weight.Length; i++) weight[i] -= (float)(scale * update[i]);
    }

    /// <summary>
    /// The factored second moment of a weight seen as matrices [rows, cols] over its last two axes:
    /// r = decay r + (1 - decay) mean_cols(g² + eps1), c likewise over rows, v = r / mean(r) * c.
    /// </summary>
    private void UpdateFactored(float[] r, float[] c, float[] v, float[] gradient, int rows, int cols, double decay)
    {
        int matrices = gradient.Length / (rows * cols);
        var rowSums = new double[rows];
        var colSums = new double[cols];
        for (int b = 0; b < matrices; b++)
        {
            Array.Clear(rowSums);
            Array.Clear(colSums);
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++)
                {
                    double g = gradient[(b * rows + i) * cols + j];
                    double square = g * g + epsilon1;
                    rowSums[i] += square;
                    colSums[j] += square;
                }
            double rMean = 0;
            for (int i = 0; i < rows; i++)
            {
                r[b * rows + i] = (float)(decay * r[b * rows + i] + (1 - decay) * rowSums[i] / cols);
                rMean += r[b * rows + i];
            }
            rMean /= rows;
            for (int j = 0; j < cols; j++) c[b * cols + j] = (float)(decay * c[b * cols + j] + (1 - decay) * colSums[j] / rows);
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++) v[(b * rows + i) * cols + j] = (float)(r[b * rows + i] / rMean * c[b * cols + j]);
        }
    }

    private static double RootMeanSquare(float[] values)
    {
        double sum = 0;
        foreach (var x in values) sum += (double)x * x;
        return Math.Sqrt(sum / values.Length);
    }

    /// <inheritdoc/>
    protected override void WriteConfig(JsonObject config)
    {
        config["beta_2_decay"] = beta2Decay;
        config["epsilon_1"] = epsilon1;
        config["epsilon_2"] = epsilon2;
        config["clip_threshold"] = clipThreshold;
        config["relative_step"] = relativeStep;
    }
}

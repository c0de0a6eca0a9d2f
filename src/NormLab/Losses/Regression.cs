namespace NormLab.Losses;

/// <summary>
/// A loss of each (target, prediction) pair, averaged over the last axis (or summed, <see cref="SumOverLastAxis"/>),
/// then over the batch. Targets of shape (batch) against predictions (batch, 1) are accepted, as Keras.
/// </summary>
public abstract class PointwiseLoss : Loss
{
    /// <summary>The loss of one pair and its derivative with respect to the prediction.</summary>
    /// <param name="target">The true value y_true of one element.</param>
    /// <param name="prediction">The predicted value y_pred of the same element.</param>
    protected abstract (double loss, double derivative) Point(double target, double prediction);

    /// <summary>Whether the pairs of the last axis are summed rather than averaged (Keras's kl_divergence).</summary>
    protected virtual bool SumOverLastAxis => false;

    /// <inheritdoc/>
    public override Tensor Call(Tensor yTrue, Tensor yPred)
    {
        RequireMatchingShapes(yTrue, yPred);
        int perSample = yPred.Size / yPred.Dims[0];
        // Keras: one loss per row of the last axis, averaged over the rows of a sample.
        double divisor = SumOverLastAxis ? perSample / (yPred.Rank > 1 ? yPred.Dims[^1] : 1) : perSample;
        return PerSample(yPred, (losses, gradient) =>
        {
            for (int i = 0; i < yPred.Size; i++)
            {
                var (loss, derivative) = Point(yTrue.Data[i], yPred.Data[i]);
                losses[i / perSample] += loss / divisor;
                gradient[i] = (float)(derivative / divisor);
            }
        });
    }
}

/// <summary>The mean of (p - t)².</summary>
public sealed class MeanSquaredError : PointwiseLoss
{
    /// <inheritdoc/>
    public override string Name => "mean_squared_error";

    /// <inheritdoc/>
    protected override (double loss, double derivative) Point(double t, double p) => ((p - t) * (p - t), 2 * (p - t));
}

/// <summary>The mean of |p - t|.</summary>
public sealed class MeanAbsoluteError : PointwiseLoss
{
    /// <inheritdoc/>
    public override string Name => "mean_absolute_error";

    /// <inheritdoc/>
    protected override (double loss, double derivative) Point(double t, double p) =>
        (Math.Abs(p - t), double.IsNaN(p - t) ? p - t : Math.Sign(p - t));
}

/// <summary>The Huber loss of d = p - t: d²/2 where |d| &lt;= delta, delta (|d| - delta/2) beyond.</summary>
/// <param name="delta">Where the loss turns from quadratic to linear; &gt; 0 (Keras default 1).</param>
public sealed class Huber(double delta = 1.0) : PointwiseLoss
{
    /// <summary>Where the loss turns from quadratic to linear.</summary>
    public double Delta { get; } = delta > 0 && double.IsFinite(delta) ? delta
        : throw new ArgumentException($"{nameof(Huber)}: delta must be finite and > 0, received {delta}.");

    /// <inheritdoc/>
    public override string Name => "huber_loss";

    /// <inheritdoc/>
    protected override (double loss, double derivative) Point(double t, double p)
    {
        double d = p - t;
        return Math.Abs(d) <= Delta ? (0.5 * d * d, d) : (Delta * Math.Abs(d) - 0.5 * Delta * Delta, Delta * Math.Sign(d));
    }
}

/// <summary>The mean of log cosh(p - t), computed as d + softplus(-2d) - log 2 so that large errors do not overflow.</summary>
public sealed class LogCosh : PointwiseLoss
{
    /// <inheritdoc/>
    public override string Name => "log_cosh";

    /// <inheritdoc/>
    protected override (double loss, double derivative) Point(double t, double p)
    {
        double d = p - t, minus2d = -2 * d;
        double softplus = Math.Max(minus2d, 0) + Math.Log(1 + Math.Exp(-Math.Abs(minus2d)));
        return (d + softplus - Math.Log(2), Math.Tanh(d));
    }
}

/// <summary>The Kullback-Leibler divergence sum t log(t / p) over the last axis, both clipped to [1e-7, 1] as Keras.</summary>
public sealed class KLDivergence : PointwiseLoss
{
    /// <inheritdoc/>
    public override string Name => "kl_divergence";

    /// <inheritdoc/>
    protected override bool SumOverLastAxis => true;

    /// <inheritdoc/>
    protected override (double loss, double derivative) Point(double t, double p)
    {
        double tc = Math.Clamp(t, Epsilon, 1), pc = Math.Clamp(p, Epsilon, 1);
        return (tc * Math.Log(tc / pc), pc == p ? -tc / pc : 0);
    }
}

/// <summary>The Poisson loss: the mean of p - t log(p + 1e-7).</summary>
public sealed class Poisson : PointwiseLoss
{
    /// <inheritdoc/>
    public override string Name => "poisson";

    /// <inheritdoc/>
    protected override (double loss, double derivative) Point(double t, double p) =>
        (p - t * Math.Log(p + Epsilon), 1 - t / (p + Epsilon));
}

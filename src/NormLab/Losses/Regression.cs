namespace NormLab.Losses;

/// <summary>A loss of the difference d = p - t, averaged over the last axis and then over the batch.</summary>
public abstract class PointwiseLoss : Loss
{
    /// <summary>The loss of one difference and its derivative with respect to the prediction.</summary>
    protected abstract (double loss, double derivative) Point(double difference);

    /// <inheritdoc/>
    protected override double Evaluate(Tensor yTrue, Tensor yPred, float[] gradient)
    {
        RequireSameShape(yTrue, yPred);
        int width = yPred.Size / yPred.Dims[0];
        double total = 0;
        for (int i = 0; i < yPred.Size; i++)
        {
            var (loss, derivative) = Point(yPred.Data[i] - yTrue.Data[i]);
            total += loss;
            gradient[i] = (float)(derivative / width);
        }
        return total / width;
    }
}

/// <summary>The mean of (p - t)².</summary>
public sealed class MeanSquaredError : PointwiseLoss
{
    /// <inheritdoc/>
    public override string Name => "mean_squared_error";

    /// <inheritdoc/>
    protected override (double loss, double derivative) Point(double d) => (d * d, 2 * d);
}

/// <summary>The mean of |p - t|.</summary>
public sealed class MeanAbsoluteError : PointwiseLoss
{
    /// <inheritdoc/>
    public override string Name => "mean_absolute_error";

    /// <inheritdoc/>
    protected override (double loss, double derivative) Point(double d) => (Math.Abs(d), double.IsNaN(d) ? d : Math.Sign(d));
}

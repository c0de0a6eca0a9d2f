namespace NormLab.Losses;

/// <summary>The mean of (t - p)² over the last axis, then over the batch.</summary>
public sealed class MeanSquaredError : Loss
{
    /// <inheritdoc/>
    public override string Name => "mean_squared_error";

    /// <inheritdoc/>
    protected override double Evaluate(Tensor yTrue, Tensor yPred, float[] gradient)
    {
        RequireSameShape(yTrue, yPred);
        int width = yPred.Size / yPred.Dims[0];
        double total = 0;
        for (int i = 0; i < yPred.Size; i++)
        {
            double d = yPred.Data[i] - yTrue.Data[i];
            total += d * d;
            gradient[i] = (float)(2 * d / width);
        }
        return total / width;
    }
}

/// <summary>The mean of |t - p| over the last axis, then over the batch.</summary>
public sealed class MeanAbsoluteError : Loss
{
    /// <inheritdoc/>
    public override string Name => "mean_absolute_error";

    /// <inheritdoc/>
    protected override double Evaluate(Tensor yTrue, Tensor yPred, float[] gradient)
    {
        RequireSameShape(yTrue, yPred);
        int width = yPred.Size / yPred.Dims[0];
        double total = 0;
        for (int i = 0; i < yPred.Size; i++)
        {
            double d = yPred.Data[i] - yTrue.Data[i];
            total += Math.Abs(d);
            gradient[i] = (float)(Math.Sign(d)) / width;
        }
        return total / width;
    }
}

namespace NormLab.Losses;

/// <summary>
/// The hinge loss, the mean of max(1 - t p, 0). Targets are -1 or 1; as Keras, a batch of targets that
/// are all 0 or 1 is first mapped to -1 and 1.
/// </summary>
public class Hinge : PointwiseLoss
{
    /// <inheritdoc/>
    public override string Name => "hinge";

    /// <inheritdoc/>
    public override Tensor Call(Tensor yTrue, Tensor yPred)
    {
        bool binary = yTrue.Data.All(v => v == 0 || v == 1);
        return base.Call(binary ? Ops.Affine(yTrue.Detach(), 2, -1) : yTrue, yPred);
    }

    /// <inheritdoc/>
    protected override (double loss, double derivative) Point(double t, double p) =>
        1 - t * p > 0 ? (1 - t * p, -t) : (0, 0);
}

/// <summary>The squared hinge loss, the mean of max(1 - t p, 0)², with the targets of <see cref="Hinge"/>.</summary>
public sealed class SquaredHinge : Hinge
{
    /// <inheritdoc/>
    public override string Name => "squared_hinge";

    /// <inheritdoc/>
    protected override (double loss, double derivative) Point(double t, double p)
    {
        double margin = Math.Max(1 - t * p, 0);
        return (margin * margin, -2 * t * margin);
    }
}

/// <summary>
/// The categorical hinge loss per row of the last axis: max(max_j (1 - t_j) p_j - sum_j t_j p_j + 1, 0),
/// with one-hot targets.
/// </summary>
public sealed class CategoricalHinge : Loss
{
    /// <inheritdoc/>
    public override string Name => "categorical_hinge";

    /// <inheritdoc/>
    public override Tensor Call(Tensor yTrue, Tensor yPred)
    {
        RequireMatchingShapes(yTrue, yPred);
        return RowLosses.PerSample(yPred, (r, n, gradient) =>
        {
            var t = yTrue.Data.AsSpan(r * n, n);
            var p = yPred.Data.AsSpan(r * n, n);
            double positive = 0;
            int worst = 0;
            for (int j = 0; j < n; j++)
            {
                positive += t[j] * p[j];
                if ((1 - t[j]) * p[j] > (1 - t[worst]) * p[worst]) worst = j;
            }
            double margin = (1 - t[worst]) * p[worst] - positive + 1;
            if (margin <= 0) return 0;
            for (int j = 0; j < n; j++) gradient[j] = -t[j];
            gradient[worst] += 1 - t[worst];
            return margin;
        });
    }
}

/// <summary>
/// The negative cosine similarity per row of the last axis, -sum t̂ p̂ with x̂ = x / sqrt(max(sum x², 1e-7))
/// (Keras 3's normalize), in [-1, 1]: -1 when the vectors point the same way.
/// </summary>
public sealed class CosineSimilarity : Loss
{
    /// <inheritdoc/>
    public override string Name => "cosine_similarity";

    /// <inheritdoc/>
    public override Tensor Call(Tensor yTrue, Tensor yPred)
    {
        RequireMatchingShapes(yTrue, yPred);
        return RowLosses.PerSample(yPred, (r, n, gradient) =>
        {
            var t = yTrue.Data.AsSpan(r * n, n);
            var p = yPred.Data.AsSpan(r * n, n);
            double tNorm = Norm(t), pSquares = 0, dot = 0;
            foreach (var v in p) pSquares += (double)v * v;
            double pNorm = Math.Sqrt(Math.Max(pSquares, Epsilon));
            for (int j = 0; j < n; j++) dot += t[j] / tNorm * (p[j] / pNorm);
            // Scalar math: d(-t̂·p/|p|)/dp = -(t̂ - (t̂·p̂) p̂) / |p|; below the floor |p| is a constant.
            bool floored = pSquares <= Epsilon;
            for (int j = 0; j < n; j++)
                gradient[j] = (float)(-(t[j] / tNorm - (floored ? 0 : dot * p[j] / pNorm)) / pNorm);
            return -dot;
        });
    }

    private static double Norm(ReadOnlySpan<float> x)
    {
        double squares = 0;
        foreach (var v in x) squares += (double)v * v;
        return Math.Sqrt(Math.Max(squares, Epsilon));
    }
}

/// <summary>Per-sample losses of losses defined per row of the last axis, averaged over a sample's rows as Keras.</summary>
internal static class RowLosses
{
    /// <summary><paramref name="row"/>(r, width, gradient) returns row r's loss and writes its gradient (zeros on entry).</summary>
    internal static Tensor PerSample(Tensor yPred, RowLoss row)
    {
        int n = yPred.Dims[^1], rows = yPred.Size / n, rowsPerSample = Math.Max(1, rows / yPred.Dims[0]);
        return Loss.PerSample(yPred, (losses, gradient) =>
        {
            for (int r = 0; r < rows; r++)
            {
                var rowGradient = gradient.AsSpan(r * n, n);
                losses[r / rowsPerSample] += row(r, n, rowGradient) / rowsPerSample;
                if (rowsPerSample > 1) System.Numerics.Tensors.TensorPrimitives.Divide(rowGradient, rowsPerSample, rowGradient);
            }
        });
    }

    internal delegate double RowLoss(int row, int width, Span<float> gradient);
}

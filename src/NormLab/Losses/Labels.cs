namespace NormLab.Losses;

/// <summary>Validation of integer class labels shared by the sparse loss and metric.</summary>
internal static class Labels
{
    /// <summary>The labels as ints; throws naming the bad label, its index and the valid range.</summary>
    internal static int[] Sparse(Tensor yTrue, Tensor yPred, string who)
    {
        int classes = yPred.Dims[^1], rows = yPred.Size / Math.Max(1, classes);
        if (yTrue.Rank == 0 || yTrue.Size != rows || yTrue.Dims[0] != yPred.Dims[0])
            throw new ArgumentException($"{who}: expected one integer label per sample, {rows} in all (shape {Shapes.Format(yPred.Dims[..^1])} or with a trailing 1), received labels of shape {Shapes.Format(yTrue.Dims)} for predictions of shape {Shapes.Format(yPred.Dims)}.");
        var labels = new int[rows];
        for (int i = 0; i < rows; i++)
        {
            float v = yTrue.Data[i];
            if (!(v >= 0 && v < classes) || v != MathF.Floor(v))
                throw new ArgumentException($"{who}: label {v} at index {i} is outside [0, {classes}) for predictions of shape {Shapes.Format(yPred.Dims)}.");
            labels[i] = (int)v;
        }
        return labels;
    }
}

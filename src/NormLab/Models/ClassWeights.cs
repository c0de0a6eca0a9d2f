namespace NormLab;

/// <summary>Fit's classWeight turned into one weight per sample, as Keras does.</summary>
internal static class ClassWeights
{
    /// <summary>
    /// The weight of each sample's class: the label itself for targets of shape (N,) or (N, 1), the
    /// arg-max of one-hot targets (N, C), rounded to an integer; classes missing from the dictionary weigh 1.
    /// </summary>
    internal static Tensor ToSampleWeights(Tensor y, IReadOnlyDictionary<int, double> classWeight)
    {
        int rows = y.Dims[0], width = y.Size / Math.Max(1, rows);
        var weights = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            var row = y.Data.AsSpan(r * width, width);
            int label = width == 1 ? (int)Math.Round(row[0]) : ArgMax(row);
            weights[r] = classWeight.TryGetValue(label, out var w) ? (float)w : 1f;
        }
        return new Tensor(weights, [rows]);
    }

    /// <summary>Throws unless every weight is finite and non-negative.</summary>
    internal static void Check(IReadOnlyDictionary<int, double> classWeight, string caller)
    {
        foreach (var (label, weight) in classWeight)
            if (!(weight >= 0) || double.IsInfinity(weight))
                throw new ArgumentException($"{caller}: classWeight[{label}] is {weight}; class weights must be finite and >= 0.");
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int j = 1; j < row.Length; j++) if (row[j] > row[best]) best = j;
        return best;
    }
}

namespace NormLab.Layers;

/// <summary>Keras's moving-average rule, shared by the layers that keep moving statistics: the momentum is the weight of the old value.</summary>
internal static class MovingAverage
{
    /// <summary><c>moving[i] = moving[i] * momentum + value * (1 - momentum)</c>.</summary>
    internal static void Update(Tensor moving, int i, double value, double momentum) =>
        moving.Data[i] = (float)(moving.Data[i] * momentum + value * (1 - momentum));

    /// <summary>The rule for every entry, with <paramref name="values"/> the new statistics.</summary>
    internal static void Update(Tensor moving, double[] values, double momentum) =>
        Kernels.PerChannel.MovingAverage(moving.Data.AsSpan(0, values.Length), values, momentum);

    /// <summary>
    /// The rule every layer with moving statistics follows: a batch whose statistics are NaN or infinite
    /// throws, naming the channels, before any moving statistic is updated, so one bad batch cannot
    /// poison inference (and the saved model). Entry i of each array belongs to channel i mod <paramref name="channels"/>.
    /// </summary>
    internal static void RequireFinite(string layer, int channels, params double[][] statistics)
    {
        var bad = new SortedSet<int>();
        foreach (var values in statistics)
            for (int i = 0; i < values.Length; i++)
                if (!double.IsFinite(values[i])) bad.Add(i % channels);
        if (bad.Count > 0)
            throw new InvalidOperationException($"{layer}: the batch statistics of channel(s) [{string.Join(", ", bad.Take(10))}{(bad.Count > 10 ? ", ..." : "")}] are not finite (the input contains NaN or infinity, or values beyond ~1.8e19 whose variance float32 cannot hold); the moving statistics were left unchanged.")
            {
                Data = { [NonFiniteKey] = true },
            };
    }

    private const string NonFiniteKey = "NormLab.NonFiniteStatistics";

    /// <summary>
    /// Whether <paramref name="e"/> is the refusal of <see cref="RequireFinite"/>. On clean data it means training
    /// diverged, which the lab records as a result rather than a failure.
    /// </summary>
    internal static bool IsNonFiniteStatistics(Exception e) => e.Data.Contains(NonFiniteKey);
}

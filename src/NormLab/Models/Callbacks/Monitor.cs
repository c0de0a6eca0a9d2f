namespace NormLab.Callbacks;

/// <summary>
/// A monitored log value ("val_loss" by default) and the comparison that says whether it improved; mode
/// "auto" maximizes accuracies and AUC and minimizes everything else. An improvement must beat the
/// reference by more than minDelta.
/// </summary>
internal sealed class Monitor
{
    private readonly bool maximize;
    private readonly double minDelta;

    internal Monitor(string callback, string key, string mode, double minDelta)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!double.IsFinite(minDelta)) throw new ArgumentException($"{callback}: minDelta must be finite, received {minDelta}.");
        Key = key;
        this.minDelta = Math.Abs(minDelta);
        maximize = mode switch
        {
            "max" => true,
            "min" => false,
            "auto" => key.Contains("acc") || key.Contains("auc"),
            _ => throw new ArgumentException($"{callback}: mode must be 'auto', 'min' or 'max', received '{mode}'."),
        };
        Best = Worst;
    }

    internal string Key { get; }

    /// <summary>The best value so far (set by <see cref="Improves"/> and by the callbacks that reset it).</summary>
    internal double Best { get; set; }

    /// <summary>The starting value of <see cref="Best"/>: every finite value improves on it.</summary>
    internal double Worst => maximize ? double.NegativeInfinity : double.PositiveInfinity;

    /// <summary>The monitored value in <paramref name="logs"/>, or null when it is missing.</summary>
    internal double? Value(IReadOnlyDictionary<string, double> logs) => logs.TryGetValue(Key, out var value) ? value : null;

    /// <summary>Whether <paramref name="value"/> beats <paramref name="reference"/> by more than minDelta.</summary>
    internal bool IsImprovement(double value, double reference) => maximize ? value - minDelta > reference : value + minDelta < reference;

    /// <summary>Whether <paramref name="logs"/> improve on the best so far (and records it); null when the key is missing.</summary>
    internal bool? Improves(IReadOnlyDictionary<string, double> logs)
    {
        if (Value(logs) is not double value) return null;
        bool better = IsImprovement(value, Best);
        if (better) Best = value;
        return better;
    }

    /// <summary>The line printed when the monitored key is missing from the logs.</summary>
    internal string Missing(string callback, IReadOnlyDictionary<string, double> logs) =>
        $"{callback}: '{Key}' is not in the logs (available: {string.Join(", ", logs.Keys)}); skipping.";
}

using NormLab.Callbacks;

namespace NormLab;

/// <summary>
/// What <c>Fit</c> returns (keras.callbacks.History): one value per epoch for the loss and each metric
/// (val_ prefixed for validation). Fit adds one to its callbacks unless one is given.
/// </summary>
public sealed class History : Callback
{
    private readonly Dictionary<string, List<double>> values = new();
    private readonly List<int> epochs = new();

    /// <summary>The values of <paramref name="key"/> per epoch, e.g. <c>h["loss"]</c>.</summary>
    /// <param name="key">A log name such as "loss" or "val_accuracy".</param>
    /// <exception cref="KeyNotFoundException">When no values were recorded for <paramref name="key"/>.</exception>
    public IReadOnlyList<double> this[string key] => values.TryGetValue(key, out var list)
        ? list
        : throw new KeyNotFoundException($"History has no '{key}'. Recorded keys: {string.Join(", ", values.Keys)}.");

    /// <summary>The recorded keys.</summary>
    public IEnumerable<string> Keys => values.Keys;

    /// <summary>The number of epochs recorded.</summary>
    public int Epochs => epochs.Count;

    /// <summary>The 0-based index of each recorded epoch (Keras's <c>history.epoch</c>; starts at initialEpoch).</summary>
    public IReadOnlyList<int> EpochIndices => epochs;

    /// <summary>Whether <paramref name="key"/> was recorded.</summary>
    /// <param name="key">A log name such as "loss" or "val_accuracy".</param>
    public bool ContainsKey(string key) => values.ContainsKey(key);

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        epochs.Add(epoch);
        foreach (var (key, value) in logs)
        {
            if (!values.TryGetValue(key, out var list)) values[key] = list = new List<double>();
            list.Add(value);
        }
    }
}

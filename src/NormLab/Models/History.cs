namespace NormLab;

/// <summary>What <c>Fit</c> returns: one value per epoch for the loss and each metric (val_ prefixed for validation).</summary>
public sealed class History
{
    private readonly Dictionary<string, List<double>> values = new();

    /// <summary>The values of <paramref name="key"/> per epoch, e.g. <c>h["loss"]</c>.</summary>
    public IReadOnlyList<double> this[string key] => values.TryGetValue(key, out var list)
        ? list
        : throw new KeyNotFoundException($"History has no '{key}'. Recorded keys: {string.Join(", ", values.Keys)}.");

    /// <summary>The recorded keys.</summary>
    public IEnumerable<string> Keys => values.Keys;

    /// <summary>The number of epochs recorded.</summary>
    public int Epochs => values.Count == 0 ? 0 : values.Values.Max(v => v.Count);

    /// <summary>Whether <paramref name="key"/> was recorded.</summary>
    public bool ContainsKey(string key) => values.ContainsKey(key);

    internal void Append(IReadOnlyDictionary<string, double> logs)
    {
        foreach (var (key, value) in logs)
        {
            if (!values.TryGetValue(key, out var list)) values[key] = list = new List<double>();
            list.Add(value);
        }
    }
}

using System.Globalization;

namespace NormLab.Cli;

/// <summary>`--name value` pairs, with typed reads that say which option was wrong.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string> values = new();
    private readonly HashSet<string> read = new();
    private string? second;
    private bool secondRead;

    internal static Options Parse(string[] args)
    {
        var options = new Options();
        if (args.Length > 0 && !args[0].StartsWith("--"))
        {
            options.Positional = args[0];
            args = args[1..];
            if (args.Length > 0 && !args[0].StartsWith("--"))
            {
                options.second = args[0];
                args = args[1..];
            }
        }
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--"))
                throw new ArgumentException($"expected '--option value' pairs, received '{string.Join(' ', args)}'.");
            // A bare "--flag" (last, or followed by another option) means "--flag true".
            bool bare = i + 1 >= args.Length || args[i + 1].StartsWith("--");
            options.values[args[i][2..]] = bare ? "true" : args[++i];
        }
        return options;
    }

    internal int Int(string name, int fallback, int min = int.MinValue)
    {
        read.Add(name);
        if (!values.TryGetValue(name, out var text)) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min)
            throw new ArgumentException($"--{name} must be an integer >= {min}, received '{text}'.");
        return value;
    }

    internal int? OptionalInt(string name, int min = int.MinValue) => Has(name) ? Int(name, 0, min) : null;

    internal double Double(string name, double fallback, double min = double.MinValue, double max = double.MaxValue)
    {
        read.Add(name);
        if (!values.TryGetValue(name, out var text)) return fallback;
        // Written so that NaN fails the range test.
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value >= min && value <= max))
            throw new ArgumentException($"--{name} must be a number in [{min}, {max}], received '{text}'.");
        return value;
    }

    /// <summary>A comma-separated list, e.g. <c>--norms none,batch,layer</c>.</summary>
    internal IReadOnlyList<string> List(string name, IReadOnlyList<string> fallback)
    {
        read.Add(name);
        if (!values.TryGetValue(name, out var text)) return fallback;
        var items = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (items.Length == 0) throw new ArgumentException($"--{name} needs a comma-separated list, received '{text}'.");
        return items;
    }

    /// <summary>A comma-separated list of integers >= <paramref name="min"/>.</summary>
    internal IReadOnlyList<int> IntList(string name, IReadOnlyList<int> fallback, int min = 1) =>
        List(name, fallback.Select(v => v.ToString(CultureInfo.InvariantCulture)).ToList()).Select(text =>
            int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= min
                ? v : throw new ArgumentException($"--{name} must list integers >= {min}, received '{text}'.")).ToList();

    /// <summary>A comma-separated list of positive, finite numbers (learning rates), duplicates dropped.</summary>
    internal IReadOnlyList<double> PositiveList(string name, IReadOnlyList<double> fallback) =>
        List(name, fallback.Select(v => v.ToString("R", CultureInfo.InvariantCulture)).ToList()).Select(text =>
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) && v > 0
                ? v : throw new ArgumentException($"--{name} must list positive numbers, received '{text}'.")).Distinct().ToList();

    internal bool Has(string name) => values.ContainsKey(name);

    private string? positional;
    private bool positionalRead;

    /// <summary>The first argument when it is not an option (e.g. the model file of `normlab evaluate MODEL`).</summary>
    internal string? Positional
    {
        get { positionalRead = true; return positional; }
        private set => positional = value;
    }

    /// <summary>The second argument when it is not an option either (the output file of `normlab import IN OUT`).</summary>
    internal string? SecondPositional
    {
        get
        {
            secondRead = true;
            return second;
        }
    }

    internal bool Flag(string name)
    {
        read.Add(name);
        if (!values.TryGetValue(name, out var text)) return false;
        return text switch
        {
            "true" or "1" => true,
            "false" or "0" => false,
            _ => throw new ArgumentException($"--{name} is a flag (give it alone, or true/false), received '{text}'."),
        };
    }

    internal string String(string name, string fallback)
    {
        read.Add(name);
        return values.GetValueOrDefault(name, fallback);
    }

    /// <summary>Rejects options nobody asked for (typos), and a positional argument the command does not take.</summary>
    internal void RejectUnknown()
    {
        if (second != null && !secondRead) throw new ArgumentException($"unexpected argument '{second}'.");
        if (positional != null && !positionalRead)
            throw new ArgumentException($"unexpected argument '{positional}' (this command takes only --options).");
        var unknown = values.Keys.Where(k => !read.Contains(k)).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}.");
    }
}

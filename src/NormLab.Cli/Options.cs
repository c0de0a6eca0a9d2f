using System.Globalization;

namespace NormLab.Cli;

/// <summary>`--name value` pairs, with typed reads that say which option was wrong.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string> values = new();
    private readonly HashSet<string> read = new();

    internal static Options Parse(string[] args)
    {
        var options = new Options();
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

    /// <summary>Rejects options nobody asked for (typos).</summary>
    internal void RejectUnknown()
    {
        var unknown = values.Keys.Where(k => !read.Contains(k)).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}.");
    }
}

using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace NormLab.Callbacks;

/// <summary>
/// A file path with Python-style fields, as Keras formats ModelCheckpoint's filepath: <c>{epoch}</c> is the
/// 1-based epoch, any other name a log value. A field may carry a format spec of Python's subset
/// [0][width][.precision][d|f]: <c>{epoch:02d}</c> gives "03", <c>{val_loss:.2f}</c> "0.41".
/// </summary>
internal sealed partial class PathTemplate
{
    private readonly string template, owner;
    private readonly List<(int start, int length, string key, Spec spec)> fields = new();

    private readonly record struct Spec(bool ZeroPad, int Width, int? Precision, char Type);

    [GeneratedRegex(@"\{([A-Za-z_][A-Za-z0-9_]*)(?::(0?)(\d*)(?:\.(\d+))?([df]?))?\}")]
    private static partial Regex Field();

    /// <param name="template">The path with fields.</param>
    /// <param name="owner">The callback and argument, for error messages.</param>
    internal PathTemplate(string template, string owner)
    {
        ArgumentException.ThrowIfNullOrEmpty(template);
        (this.template, this.owner) = (template, owner);
        foreach (Match m in Field().Matches(template))
        {
            var g = m.Groups;
            var spec = new Spec(g[2].Value == "0", g[3].Value == "" ? 0 : int.Parse(g[3].Value, CultureInfo.InvariantCulture),
                g[4].Success ? int.Parse(g[4].Value, CultureInfo.InvariantCulture) : null, g[5].Value == "" ? ' ' : g[5].Value[0]);
            if (spec.Type == 'd' && spec.Precision != null)
                throw new ArgumentException($"{owner}: '{m.Value}' in '{template}': precision is not allowed with the 'd' format (as in Python).");
            fields.Add((m.Index, m.Length, g[1].Value, spec));
        }
        string rest = Field().Replace(template, "");
        if (rest.Contains('{') || rest.Contains('}'))
            throw new ArgumentException($"{owner}: '{template}' has a field that is not {{name}} or {{name:spec}} with a spec of the form [0][width][.precision][d|f].");
    }

    /// <summary>The path for this epoch (0-based) and these logs.</summary>
    internal string Expand(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        var path = new StringBuilder();
        int at = 0;
        foreach (var (start, length, key, spec) in fields)
        {
            path.Append(template, at, start - at);
            at = start + length;
            if (key == "epoch") path.Append(Format(epoch + 1, isInteger: true, spec, key));
            else if (logs.TryGetValue(key, out var value)) path.Append(Format(value, isInteger: false, spec, key));
            else throw new KeyNotFoundException($"{owner}: cannot fill '{{{key}}}' in '{template}': the logs have no '{key}' (available: epoch, {string.Join(", ", logs.Keys)}).");
        }
        return path.Append(template, at, template.Length - at).ToString();
    }

    private string Format(double value, bool isInteger, Spec spec, string key)
    {
        var invariant = CultureInfo.InvariantCulture;
        string text = spec.Type switch
        {
            'd' when !isInteger => throw new FormatException($"{owner}: '{{{key}:...d}}' needs an integer, but '{key}' is a float (Python: Unknown format code 'd' for object of type 'float')."),
            'd' => ((long)value).ToString(invariant),
            'f' => value.ToString("F" + (spec.Precision ?? 6), invariant),
            _ when spec.Precision is int p => value.ToString("G" + Math.Max(1, p), invariant),
            _ => isInteger ? ((long)value).ToString(invariant) : PythonRepr(value),
        };
        if (text.Length >= spec.Width) return text;
        if (!spec.ZeroPad) return text.PadLeft(spec.Width);
        bool negative = text.StartsWith('-');
        return (negative ? "-" : "") + text[(negative ? 1 : 0)..].PadLeft(spec.Width - (negative ? 1 : 0), '0');
    }

    /// <summary>Python's str() of a float: the shortest round-trip digits, ".0" on whole numbers, nan and inf.</summary>
    internal static string PythonRepr(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        string text = value.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e');
        return text.Contains('.') || text.Contains('e') ? text : text + ".0";
    }
}

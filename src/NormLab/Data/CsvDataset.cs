using System.Globalization;

namespace NormLab.Data;

/// <summary>
/// Tabular data from a CSV file: every column but one is a numeric feature; the label column holds
/// class names or numbers, mapped to 0..k-1 in order of first appearance (or kept when all are integers).
/// </summary>
public static class CsvDataset
{
    /// <summary>Features (n, columns - 1), labels (n) and the class names (label index → original text).</summary>
    /// <param name="path">The file; the first line is a header when <paramref name="hasHeader"/>.</param>
    /// <param name="labelColumn">The label column's header name, or null for the last column.</param>
    /// <param name="hasHeader">Whether the first line names the columns.</param>
    /// <param name="separator">The field separator.</param>
    public static (Tensor features, Tensor labels, string[] classes) Load(string path, string? labelColumn = null, bool hasHeader = true, char separator = ',')
    {
        var lines = File.ReadAllLines(path).Select((text, index) => (text, number: index + 1)).Where(l => l.text.Trim().Length > 0).ToList();
        if (lines.Count == 0) throw new FormatException($"CSV file '{path}': the file is empty.");
        string[]? header = hasHeader ? Split(lines[0].text, separator) : null;
        var rows = hasHeader ? lines.Skip(1).ToList() : lines;
        if (rows.Count == 0) throw new FormatException($"CSV file '{path}': there are no data rows.");
        int columns = header?.Length ?? Split(rows[0].text, separator).Length;
        if (columns < 2) throw new FormatException($"CSV file '{path}': need at least one feature and a label column, found {columns} column(s).");
        int label = columns - 1;
        if (labelColumn != null)
        {
            if (header == null) throw new ArgumentException($"CsvDataset.Load: labelColumn '{labelColumn}' needs a header line in '{path}'.");
            label = Array.IndexOf(header, labelColumn);
            if (label < 0) throw new FormatException($"CSV file '{path}': no column named '{labelColumn}'; the columns are {string.Join(", ", header)}.");
        }
        var features = new float[rows.Count * (columns - 1)];
        var labelTexts = new string[rows.Count];
        for (int r = 0; r < rows.Count; r++)
        {
            var fields = Split(rows[r].text, separator);
            if (fields.Length != columns)
                throw new FormatException($"CSV file '{path}', line {rows[r].number}: {fields.Length} fields, expected {columns}.");
            for (int c = 0, f = 0; c < columns; c++)
            {
                if (c == label) { labelTexts[r] = fields[c]; continue; }
                if (!float.TryParse(fields[c], NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
                    throw new FormatException($"CSV file '{path}', line {rows[r].number}, column {(header != null ? $"'{header[c]}'" : (c + 1).ToString())}: '{fields[c]}' is not a number.");
                features[r * (columns - 1) + f++] = value;
            }
        }
        var labels = new float[rows.Count];
        string[] classes;
        if (labelTexts.All(t => int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= 0))
        {
            for (int r = 0; r < rows.Count; r++) labels[r] = int.Parse(labelTexts[r], CultureInfo.InvariantCulture);
            classes = Enumerable.Range(0, (int)labels.Max() + 1).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        }
        else
        {
            var index = new Dictionary<string, int>();
            for (int r = 0; r < rows.Count; r++)
            {
                if (!index.TryGetValue(labelTexts[r], out int k)) index[labelTexts[r]] = k = index.Count;
                labels[r] = k;
            }
            classes = index.Keys.ToArray();
        }
        return (Tensor.FromArray(features, rows.Count, columns - 1), Tensor.FromArray(labels, rows.Count), classes);
    }

    private static string[] Split(string line, char separator) => line.Split(separator).Select(f => f.Trim().Trim('"')).ToArray();
}

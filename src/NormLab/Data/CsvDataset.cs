using System.Globalization;

namespace NormLab.Data;

/// <summary>
/// Tabular data from a CSV file (RFC 4180: quoted fields may hold commas, line breaks and doubled quotes):
/// every column but one is a numeric feature; the label column holds class names or numbers.
/// </summary>
/// <remarks>
/// <para>Features must be finite numbers: NaN, infinity and values beyond float's range are errors naming the line and column.</para>
/// <para>Labels: when every label is a number, each must be a whole number in [0, <see cref="MaxClasses"/>) (2.0 is class 2)
/// and is kept as the class index, the class names being "0" to the largest; a negative, fractional or non-finite
/// label is an error. Otherwise every label is a class name, mapped to 0..k-1 in order of first appearance.</para>
/// </remarks>
public static class CsvDataset
{
    /// <summary>The most classes numeric labels may index (one name is made per class up to the largest label).</summary>
    public const int MaxClasses = 65536;

    /// <summary>Features (n, columns - 1), labels (n) and the class names (label index → original text).</summary>
    /// <param name="path">The file; the first line is a header when <paramref name="hasHeader"/>.</param>
    /// <param name="labelColumn">The label column's header name, or null for the last column.</param>
    /// <param name="hasHeader">Whether the first line names the columns.</param>
    /// <param name="separator">The field separator.</param>
    /// <exception cref="System.IO.FileNotFoundException">When there is no file at <paramref name="path"/>.</exception>
    /// <exception cref="ArgumentException">When <paramref name="labelColumn"/> is given but <paramref name="hasHeader"/> is false.</exception>
    /// <exception cref="FormatException">When the file has no data rows, fewer than two columns, no column named <paramref name="labelColumn"/>, a row with the wrong number of fields, an unclosed or misplaced quote, a feature that is not a finite number, or a numeric label that is not a class index.</exception>
    public static (Tensor features, Tensor labels, string[] classes) Load(string path, string? labelColumn = null, bool hasHeader = true, char separator = ',')
    {
        var lines = CsvRecords.Parse(File.ReadAllText(path), separator, path);
        if (lines.Count == 0) throw new FormatException($"CSV file '{path}': the file is empty.");
        string[]? header = hasHeader ? lines[0].fields : null;
        var rows = hasHeader ? lines.Skip(1).ToList() : lines;
        if (rows.Count == 0) throw new FormatException($"CSV file '{path}': there are no data rows.");
        int columns = header?.Length ?? rows[0].fields.Length;
        if (columns < 2) throw new FormatException($"CSV file '{path}': need at least one feature and a label column, found {columns} column(s).");
        int label = columns - 1;
        if (labelColumn != null)
        {
            if (header == null) throw new ArgumentException($"CsvDataset.Load: labelColumn '{labelColumn}' needs a header line in '{path}'.");
            label = Array.IndexOf(header, labelColumn);
            if (label < 0) throw new FormatException($"CSV file '{path}': no column named '{labelColumn}'; the columns are {string.Join(", ", header)}.");
        }
        string Column(int c) => header != null ? $"'{header[c]}'" : (c + 1).ToString(CultureInfo.InvariantCulture);
        var features = new float[rows.Count * (columns - 1)];
        var labelTexts = new string[rows.Count];
        for (int r = 0; r < rows.Count; r++)
        {
            var fields = rows[r].fields;
            if (fields.Length != columns)
                throw new FormatException($"CSV file '{path}', line {rows[r].line}: {fields.Length} fields, expected {columns}.");
            for (int c = 0, f = 0; c < columns; c++)
            {
                if (c == label) { labelTexts[r] = fields[c]; continue; }
                if (!float.TryParse(fields[c], NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
                    throw new FormatException($"CSV file '{path}', line {rows[r].line}, column {Column(c)}: '{fields[c]}' is not a number.");
                if (!float.IsFinite(value))
                    throw new FormatException($"CSV file '{path}', line {rows[r].line}, column {Column(c)}: '{fields[c]}' is not a finite number (NaN, infinity, or beyond float's range).");
                features[r * (columns - 1) + f++] = value;
            }
        }
        var labels = new float[rows.Count];
        string[] classes;
        if (labelTexts.All(t => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
        {
            for (int r = 0; r < rows.Count; r++)
            {
                double v = double.Parse(labelTexts[r], NumberStyles.Float, CultureInfo.InvariantCulture);
                if (!(v >= 0 && v < MaxClasses && v == Math.Floor(v)))
                    throw new FormatException($"CSV file '{path}', line {rows[r].line}, label column {Column(label)}: '{labelTexts[r]}' is not a class index; numeric labels must be whole numbers in [0, {MaxClasses}) (or give every label as a class name).");
                labels[r] = (float)v;
            }
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
}

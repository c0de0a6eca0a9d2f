using System.Globalization;

namespace NormLab.Callbacks;

/// <summary>
/// Streams each epoch's logs to a CSV file as Keras's CSVLogger: a header "epoch" + the sorted log keys
/// of the first epoch (with their val_ twins when the first epoch had no validation), then one row per
/// epoch with the 0-based epoch, "NA" for a missing value. Each row is flushed as it is written; in
/// distributed training only rank 0 writes.
/// </summary>
/// <param name="filename">The CSV file.</param>
/// <param name="separator">The field separator, one character.</param>
/// <param name="append">Append to an existing file (its header is kept) instead of overwriting it.</param>
public sealed class CSVLogger(string filename, string separator = ",", bool append = false) : Callback
{
    private readonly string filename = string.IsNullOrEmpty(filename) ? throw new ArgumentException("CSVLogger: filename must not be empty.") : filename;
    private readonly string separator = separator is { Length: 1 } && separator != "\"" && separator != "\n" && separator != "\r" ? separator
        : throw new ArgumentException($"CSVLogger: separator must be one character other than a quote or a line break, received '{separator}'.");
    private StreamWriter? writer;
    private List<string>? keys;
    private bool writeHeader;

    /// <inheritdoc/>
    public override void OnTrainBegin()
    {
        keys = null;
        if (Model!.IsNonRootReplica) return; // distributed: rank 0 writes the file
        writeHeader = !append || !File.Exists(filename) || new FileInfo(filename).Length == 0;
        string? directory = Path.GetDirectoryName(Path.GetFullPath(filename));
        if (directory != null) Directory.CreateDirectory(directory);
        writer = new StreamWriter(filename, append);
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (writer == null) return;
        if (keys == null)
        {
            keys = logs.Keys.Order(StringComparer.Ordinal).ToList();
            // With validationFreq > 1 the first epoch has no val_ keys: reserve their columns (as Keras).
            if (!keys.Any(k => k.StartsWith("val_", StringComparison.Ordinal))) keys.AddRange(keys.Select(k => "val_" + k).ToList());
            if (writeHeader) WriteRow(["epoch", .. keys]);
        }
        WriteRow([epoch.ToString(CultureInfo.InvariantCulture), .. keys.Select(k => logs.TryGetValue(k, out var v) ? PathTemplate.PythonRepr(v) : "NA")]);
    }

    /// <inheritdoc/>
    public override void OnTrainEnd()
    {
        writer?.Dispose();
        writer = null;
    }

    private void WriteRow(IEnumerable<string> fields)
    {
        writer!.Write(string.Join(separator, fields.Select(Quote)) + "\r\n");
        writer.Flush();
    }

    /// <summary>RFC 4180 quoting, as Python's csv module writes it: only fields with the separator, a quote or a line break.</summary>
    private string Quote(string field) =>
        field.Contains(separator) || field.Contains('"') || field.Contains('\n') || field.Contains('\r') ? $"\"{field.Replace("\"", "\"\"")}\"" : field;
}

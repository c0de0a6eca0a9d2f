using System.Text;

namespace NormLab.Data;

/// <summary>
/// RFC 4180 records: fields separated by the separator, records by line breaks; a field in double quotes
/// may hold separators, line breaks and doubled quotes (<c>"a ""b"", c"</c> is <c>a "b", c</c>). Spaces
/// around an unquoted field are dropped. Blank lines are skipped.
/// </summary>
internal static class CsvRecords
{
    /// <summary>The records of <paramref name="text"/>, each with the line number it starts on.</summary>
    internal static List<(string[] fields, int line)> Parse(string text, char separator, string source)
    {
        var records = new List<(string[], int)>();
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false, wasQuoted = false;
        int line = 1, start = 1;
        void EndField()
        {
            fields.Add(wasQuoted ? field.ToString() : field.ToString().Trim());
            field.Clear();
            wasQuoted = false;
        }
        void EndRecord()
        {
            EndField();
            if (fields.Count > 1 || fields[0].Length > 0) records.Add((fields.ToArray(), start));
            fields.Clear();
        }
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else
                {
                    if (c == '\n') line++;
                    field.Append(c);
                }
            }
            else if (c == '"' && field.ToString().Trim().Length == 0) { field.Clear(); quoted = wasQuoted = true; }
            else if (c == separator) EndField();
            else if (c is '\n' or '\r')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                EndRecord();
                start = ++line;
            }
            else if (wasQuoted && !char.IsWhiteSpace(c))
                throw new FormatException($"CSV file '{source}', line {line}: '{c}' after a closing quote; a quoted field ends at its quote (write a quote inside as \"\").");
            else if (!wasQuoted) field.Append(c);
        }
        if (quoted) throw new FormatException($"CSV file '{source}', line {start}: a quoted field is never closed.");
        EndRecord();
        return records;
    }
}

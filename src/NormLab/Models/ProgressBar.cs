using System.Diagnostics;
using System.Globalization;

namespace NormLab;

/// <summary>
/// Keras's per-epoch progress display: a bar with steps, ETA and running logs on verbose 1
/// (redrawn in place on a terminal), one line per epoch on verbose 2, nothing on verbose 0.
/// Steps are null when the data's length is unknown (a dataset): the bar then counts without an end.
/// </summary>
internal sealed class ProgressBar(int verbose, int? steps)
{
    private const int Width = 20;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly bool interactive = !Console.IsOutputRedirected;
    private long lastDraw = -1000;
    private int seen;

    internal static void EpochHeader(int verbose, int epoch, int epochs)
    {
        if (verbose > 0) Console.WriteLine($"Epoch {epoch + 1}/{epochs}");
    }

    internal void Update(int step, IReadOnlyDictionary<string, double> logs)
    {
        seen = step;
        if (verbose != 1 || !interactive || clock.ElapsedMilliseconds - lastDraw < 100) return;
        lastDraw = clock.ElapsedMilliseconds;
        double perStep = clock.Elapsed.TotalSeconds / step;
        string eta = steps is int total ? $" ETA: {FormatSeconds(perStep * (total - step))}" : "";
        Console.Write($"\r{Bar(step)}{eta}{Logs(logs)}   ");
    }

    internal void Finish(IReadOnlyDictionary<string, double> logs)
    {
        if (verbose == 0) return;
        double seconds = clock.Elapsed.TotalSeconds;
        string timing = $"{FormatSeconds(seconds)} {seconds * 1000 / Math.Max(1, seen):F0}ms/step";
        string line = verbose == 1 ? $"{Bar(seen, seen)} {timing}{Logs(logs)}" : $"{seen}/{seen} - {timing}{Logs(logs)}";
        Console.WriteLine((verbose == 1 && interactive ? "\r" : "") + line + "   ");
    }

    private string Bar(int step) => steps is int total ? Bar(step, total) : $"{step}/Unknown";

    private static string Bar(int step, int total)
    {
        int filled = total == 0 ? Width : step * Width / total;
        return $"{step}/{total} {new string('━', filled)}{new string('─', Width - filled)}";
    }

    private static string Logs(IReadOnlyDictionary<string, double> logs) =>
        string.Concat(logs.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $" - {kv.Key}: {kv.Value.ToString("F4", CultureInfo.InvariantCulture)}"));

    private static string FormatSeconds(double seconds) => seconds >= 1 ? $"{seconds:F0}s" : $"{seconds * 1000:F0}ms";
}

using System.Diagnostics;

namespace NormLab.Bench;

/// <summary>One workload timed on both sides: <paramref name="Time"/> runs it once on NormLab's side and returns milliseconds.</summary>
internal sealed record Workload(string Key, string Label, Func<double> Time);

/// <summary>
/// NormLab and PyTorch (a <see cref="TorchSide"/> in --serve mode) timed in the same run: a warm-up, then rounds that
/// alternate between the sides, then a Markdown table of medians, NormLab / PyTorch and best-of ratios, with its notes.
/// </summary>
internal static class SideBySide
{
    private const int RepsPerRound = 3;

    /// <summary>
    /// Runs the rounds and returns the table (the faster of PyTorch's formats counts) and its notes. Without
    /// <paramref name="torch"/> only NormLab's column is filled.
    /// </summary>
    internal static (List<string> Table, List<string> Notes) Run(IReadOnlyList<Workload> workloads, TorchSide? torch, int rounds,
        double warmUpSeconds, string firstColumn, string numberFormat)
    {
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed.TotalSeconds < warmUpSeconds) foreach (var w in workloads) w.Time();
        var mine = workloads.ToDictionary(w => w.Key, _ => new List<double>());
        var theirs = workloads.ToDictionary(w => w.Key, _ => new Dictionary<string, List<double>>());
        for (int round = 0; round < rounds; round++)
        {
            foreach (var w in workloads)
                for (int r = 0; r < RepsPerRound; r++) mine[w.Key].Add(w.Time());
            if (torch == null) continue;
            foreach (var (key, formats) in torch.Round())
                foreach (var (format, times) in formats)
                {
                    if (!theirs[key].TryGetValue(format, out var list)) theirs[key][format] = list = new();
                    list.AddRange(times);
                }
        }

        string Number(double value) => value.ToString(numberFormat, System.Globalization.CultureInfo.InvariantCulture);
        var table = new List<string>
        {
            $"| {firstColumn,-50} | {"NormLab ms",10} | {"PyTorch ms",10} | {"ratio",6} | {"best-of",7} | PyTorch format |",
            $"|{new string('-', 52)}|{new string('-', 12)}|{new string('-', 12)}|{new string('-', 8)}|{new string('-', 9)}|----------------|",
        };
        foreach (var w in workloads)
        {
            double ours = BenchResults.Median(mine[w.Key]);
            if (theirs[w.Key].Count == 0)
            {
                table.Add($"| {w.Label,-50} | {Number(ours),10} | {"-",10} | {"-",6} | {"-",7} | - |");
                continue;
            }
            var (format, best) = theirs[w.Key].Select(kv => (kv.Key, BenchResults.Median(kv.Value))).MinBy(t => t.Item2);
            double bestOf = mine[w.Key].Min() / theirs[w.Key][format].Min();
            table.Add($"| {w.Label,-50} | {Number(ours),10} | {Number(best),10} | {ours / best,6:F2} | {bestOf,7:F2} | {format} |");
        }
        var notes = new List<string>
        {
            $"(medians of {rounds * RepsPerRound} repetitions per side; ratio = NormLab / PyTorch, <= 1.0 means NormLab is as fast or faster;",
            " best-of = the same ratio on each side's fastest repetition, steadier when the machine is busy)",
        };
        if (BenchResults.LoadAverage() is double load && load > Environment.ProcessorCount)
            notes.Add($"warning: load average {load:F1} on {Environment.ProcessorCount} processors; other processes shared the CPU, so timings are noisy.");
        Console.WriteLine();
        table.Concat(notes).ToList().ForEach(Console.WriteLine);
        return (table, notes);
    }
}

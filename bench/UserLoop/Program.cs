using System.Diagnostics;
using System.Globalization;
using NormLab;
using NormLab.Bench;
using NormLab.Layers;

// The loop a NormLab user writes, next to the loop a PyTorch user writes (bench/user_loop_torch.py), in one run:
// NormLab referenced as a NuGet package, no Dispose, a fresh output each call, gradients set to null before each
// backward. Rounds alternate between the sides; each number is the median of all repetitions after a warm-up.
// Options: --rounds N (default 5), --no-torch. Run through bench/user-loop.sh, which packs the package first.

int rounds = 5;
int at = Array.IndexOf(args, "--rounds");
if (at >= 0 && at + 1 < args.Length) rounds = int.Parse(args[at + 1], CultureInfo.InvariantCulture);
const int RepsPerRound = 3;
NormLabConfig.Threads = 2;

var gc = AppContext.GetData("System.GC.RegionSize") != null ? "NormLabGcSettings" : "default-gc";
var workloads = UserLoopWorkloads.All();
string why = "--no-torch";
using var torch = args.Contains("--no-torch") ? null : TorchSide.Start("user_loop_torch.py", out why);
var header = new List<string>
{
    $"NormLab {typeof(Tensor).Assembly.GetName().Version} from its NuGet package, NormLabConfig.Threads = {NormLabConfig.Threads}, " +
        $"GC: {(gc == "default-gc" ? ".NET's defaults" : "the package's opt-in NormLabGcSettings")} " +
        $"(concurrent {AppContext.GetData("System.GC.Concurrent") ?? "default"}, region size {AppContext.GetData("System.GC.RegionSize") ?? "default"}); wall clock",
    torch != null ? $"PyTorch: {torch.Version}, {torch.Threads} threads, OMP_WAIT_POLICY={torch.WaitPolicy}, the faster format where several apply" : $"PyTorch: not measured ({why})",
};
header.ForEach(Console.WriteLine);

var warmUp = Stopwatch.StartNew();
while (warmUp.Elapsed.TotalSeconds < 5) foreach (var w in workloads) w.Time();
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

var table = new List<string>
{
    $"| {"workload",-48} | {"NormLab ms",10} | {"PyTorch ms",10} | {"ratio",6} | {"best-of",7} | PyTorch format |",
    $"|{new string('-', 50)}|{new string('-', 12)}|{new string('-', 12)}|{new string('-', 8)}|{new string('-', 9)}|----------------|",
};
foreach (var w in workloads)
{
    double ours = BenchResults.Median(mine[w.Key]);
    if (theirs[w.Key].Count == 0)
    {
        table.Add($"| {w.Label,-48} | {ours,10:F3} | {"-",10} | {"-",6} | {"-",7} | - |");
        continue;
    }
    var (format, best) = theirs[w.Key].Select(kv => (kv.Key, BenchResults.Median(kv.Value))).MinBy(t => t.Item2);
    double bestOf = mine[w.Key].Min() / theirs[w.Key][format].Min();
    table.Add($"| {w.Label,-48} | {ours,10:F3} | {best,10:F3} | {ours / best,6:F2} | {bestOf,7:F2} | {format} |");
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
BenchResults.WriteMarkdown($"user-loop-{gc}", $"bash bench/user-loop.sh {string.Join(' ', args)}", header, table, notes);

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

var (table, notes) = SideBySide.Run(workloads, torch, rounds,
    warmUpSeconds: 5, "workload", "F3");
BenchResults.WriteMarkdown($"user-loop-{gc}", $"bash bench/user-loop.sh {string.Join(' ', args)}", header, table, notes);

using System.Diagnostics;
using System.Globalization;
using System.Text;
using NormLab.Kernels;
using NormLab.Layers;

namespace NormLab.Bench;

/// <summary>
/// `conv-layers`: forward + backward of the issue 20 convolutions through <c>Layer.Call</c> and the tape
/// (input and weight gradients, ones seed), used as a user's loop uses it (a fresh output each call, no Dispose), against the same PyTorch layers (bench/conv_layers_torch.py,
/// 2 threads, the faster of channels first and channels last) in the same run: Conv1D(64, 3, "same") on
/// (32, 128, 64), DepthwiseConv2D(3, "same") and Conv2DTranspose(32, 3, strides 2, "same") on (32, 28, 28, 32).
/// Rounds alternate between the two sides; each number is the median of all repetitions after a warm-up.
/// The table is printed and written to bench/results/conv-layers[-cpu]-&lt;UTC date&gt;.md with the commit, machine and load.
/// Options: --rounds N (default 5), --no-torch, --cpu (load-robust: one thread on both sides, and each call's
/// CPU time of the calling thread instead of wall clock, so time slices lost to other processes do not count).
/// </summary>
internal static class ConvLayersBench
{
    private static readonly string[] Workloads = ["conv1d", "depthwise2d", "transpose2d"];

    private const int RepsPerRound = 3;

    /// <summary>Entry point for the `conv-layers` subcommand.</summary>
    internal static void Run(string[] args)
    {
        int rounds = 5;
        int at = Array.IndexOf(args, "--rounds");
        if (at >= 0 && at + 1 < args.Length) rounds = int.Parse(args[at + 1], CultureInfo.InvariantCulture);
        bool cpu = args.Contains("--cpu");
        if (Array.IndexOf(args, "--threads") < 0) KernelThreads.Max = cpu ? 1 : 2;

        var cases = new Case[]
        {
            new(cpu, "conv1d", "Conv1D(64, 3, same) (32, 128, 64)", new Conv1D(64, 3, padding: "same"), [32, 128, 64]),
            new(cpu, "depthwise2d", "DepthwiseConv2D(3, same) (32, 28, 28, 32)", new DepthwiseConv2D(3, padding: "same"), [32, 28, 28, 32]),
            new(cpu, "transpose2d", "Conv2DTranspose(32, 3, s2, same) (32, 28, 28, 32)", new Conv2DTranspose(32, 3, strides: 2, padding: "same"), [32, 28, 28, 32]),
        };
        string why = "--no-torch";
        using var torch = args.Contains("--no-torch") ? null : TorchSide.Start("conv_layers_torch.py", out why, cpu ? ["--cpu"] : []);
        var header = new List<string>
        {
            $"NormLab: KernelThreads.Max = {KernelThreads.Max}; {(cpu ? "CPU time of the calling thread per call" : "wall clock per call")}",
            torch != null ? $"PyTorch: {torch.Version}, {torch.Threads} threads, OMP_WAIT_POLICY={torch.WaitPolicy}, faster of channels first and channels last" : $"PyTorch: not measured ({why})",
        };
        header.ForEach(Console.WriteLine);

        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed.TotalSeconds < 3) foreach (var c in cases) c.Time();
        var mine = Workloads.ToDictionary(w => w, _ => new List<double>());
        var theirs = Workloads.ToDictionary(w => w, _ => new Dictionary<string, List<double>>());
        for (int round = 0; round < rounds; round++)
        {
            foreach (var c in cases)
                for (int r = 0; r < RepsPerRound; r++) mine[c.Key].Add(c.Time());
            if (torch == null) continue;
            foreach (var (w, formats) in torch.Round())
                foreach (var (format, times) in formats)
                {
                    if (!theirs[w].TryGetValue(format, out var list)) theirs[w][format] = list = new();
                    list.AddRange(times);
                }
        }

        var table = new List<string>
        {
            $"| {"forward + backward",-50} | {"NormLab ms",10} | {"PyTorch ms",10} | {"ratio",6} | {"best-of",7} | PyTorch format |",
            $"|{new string('-', 52)}|{new string('-', 12)}|{new string('-', 12)}|{new string('-', 8)}|{new string('-', 9)}|----------------|",
        };
        foreach (var c in cases)
        {
            double ours = BenchResults.Median(mine[c.Key]);
            if (theirs[c.Key].Count == 0)
            {
                table.Add($"| {c.Label,-50} | {ours,10:F2} | {"-",10} | {"-",6} | {"-",7} | - |");
                continue;
            }
            var (format, best) = theirs[c.Key].Select(kv => (kv.Key, BenchResults.Median(kv.Value))).MinBy(t => t.Item2);
            double bestOf = mine[c.Key].Min() / theirs[c.Key][format].Min();
            table.Add($"| {c.Label,-50} | {ours,10:F2} | {best,10:F2} | {ours / best,6:F2} | {bestOf,7:F2} | {format} |");
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
        BenchResults.WriteMarkdown(cpu ? "conv-layers-cpu" : "conv-layers",
            $"dotnet run -c Release --project bench/NormLab.Bench -- conv-layers {string.Join(' ', args)}", header, table, notes);
    }

    /// <summary>One layer, its input and a ones seed; <see cref="Time"/> is one forward + backward in milliseconds.</summary>
    private sealed class Case(bool cpu, string key, string label, Layer layer, int[] shape)
    {
        private readonly Tensor x = Tensor.RandUniform(shape, -1, 1);
        private Tensor? seed;

        internal string Key => key;
        internal string Label => label;

        internal double Time()
        {
            x.RequiresGrad = true;
            x.Grad = null;
            foreach (var w in layer.TrainableWeights) w.Grad = null;
            var sw = Stopwatch.StartNew();
            double cpuStart = NormBench.ThreadCpuMs();
            var y = layer.Call(x, training: true);
            seed ??= Tensor.Ones(y.Shape);
            y.Backward(seed);
            // As a user's loop: no Dispose, the output and the gradients are fresh memory each call.
            return cpu ? NormBench.ThreadCpuMs() - cpuStart : sw.Elapsed.TotalMilliseconds;
        }
    }

}

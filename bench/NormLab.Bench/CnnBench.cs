using System.Diagnostics;
using System.Text.Json;
using NormLab.Kernels;
using NormLab.Layers;

namespace NormLab.Bench;

/// <summary>
/// `cnn`: NormLab against PyTorch on the README's MNIST CNN — one training step (forward, backward,
/// Adam) at batch 32, and inference at batch 1 and batch 256 — in one run. PyTorch runs in
/// bench/cnn_torch.py (launched with /usr/bin/python3, 2 threads, kept alive for the whole run) and
/// reports the faster of NCHW and channels_last. The two sides alternate round by round so machine
/// noise hits both; each number is the median of all repetitions after a warm-up.
/// Options: --rounds N (default 5), --no-torch.
/// </summary>
internal static class CnnBench
{
    private static readonly string[] Workloads = ["train_b32", "infer_b1", "infer_b256"];

    /// <summary>Calls per timed repetition: batch-1 inference is too short to time one call at a time.</summary>
    private static readonly Dictionary<string, int> Inner = new() { ["train_b32"] = 1, ["infer_b1"] = 5, ["infer_b256"] = 1 };

    private const int RepsPerRound = 2;

    /// <summary>Entry point for the `cnn` subcommand.</summary>
    internal static void Run(string[] args)
    {
        int rounds = 5;
        int at = Array.IndexOf(args, "--rounds");
        if (at >= 0 && at + 1 < args.Length) rounds = int.Parse(args[at + 1]);
        if (Array.IndexOf(args, "--threads") < 0) KernelThreads.Max = 2;

        var normlab = new NormLabSide();
        string why = "--no-torch";
        using var torch = args.Contains("--no-torch") ? null : TorchSide.Start("cnn_torch.py", out why);
        Console.WriteLine($"NormLab: KernelThreads.Max = {KernelThreads.Max}");
        Console.WriteLine(torch != null
            ? $"PyTorch: {torch.Version}, {torch.Threads} threads, faster of NCHW and channels_last"
            : $"PyTorch: not measured ({why})");

        // Warm up for a few seconds so the JIT's tiered (PGO) code is in place, not just the first tier.
        var warmUp = Stopwatch.StartNew();
        for (int warm = 0; warm < 3 || warmUp.Elapsed.TotalSeconds < 3; warm++) normlab.Round(1);
        var mine = Workloads.ToDictionary(w => w, _ => new List<double>());
        var theirs = Workloads.ToDictionary(w => w, _ => new Dictionary<string, List<double>>());
        for (int round = 0; round < rounds; round++)
        {
            foreach (var (w, times) in normlab.Round(RepsPerRound)) mine[w].AddRange(times);
            if (torch == null) continue;
            foreach (var (w, formats) in torch.Round())
                foreach (var (format, times) in formats)
                {
                    if (!theirs[w].TryGetValue(format, out var list)) theirs[w][format] = list = new();
                    list.AddRange(times);
                }
        }

        Console.WriteLine();
        Console.WriteLine($"{"workload",-22} {"NormLab ms",11} {"PyTorch ms",11} {"ratio",7} {"best-of",8}  PyTorch format");
        foreach (var w in Workloads)
        {
            double ours = BenchResults.Median(mine[w]);
            if (theirs[w].Count == 0)
            {
                Console.WriteLine($"{Label(w),-22} {ours,11:F3} {"-",11} {"-",7} {"-",8}");
                continue;
            }
            var (format, best) = theirs[w].Select(kv => (kv.Key, BenchResults.Median(kv.Value))).MinBy(t => t.Item2);
            double bestOfRatio = mine[w].Min() / theirs[w][format].Min();
            Console.WriteLine($"{Label(w),-22} {ours,11:F3} {best,11:F3} {ours / best,7:F2} {bestOfRatio,8:F2}  {format}");
        }
        Console.WriteLine($"(medians of {rounds * RepsPerRound} repetitions per side; ratio = NormLab / PyTorch, <= 1.0 means NormLab is as fast or faster;");
        Console.WriteLine(" best-of = the same ratio on each side's fastest repetition, steadier when the machine is busy)");
        if (BenchResults.LoadAverage() is double load && load > Environment.ProcessorCount)
            Console.WriteLine($"warning: load average {load:F1} on {Environment.ProcessorCount} processors; other processes shared the CPU, so timings are noisy.");
    }

    private static string Label(string workload) => workload switch
    {
        "train_b32" => "train step, batch 32",
        "infer_b1" => "inference, batch 1",
        "infer_b256" => "inference, batch 256",
        _ => workload,
    };

    /// <summary>The README's CNN, compiled as the README does, with fixed random data.</summary>
    private sealed class NormLabSide
    {
        private readonly Sequential model;
        private readonly Tensor x32, y32, x1, x256;

        internal NormLabSide()
        {
            NormLabRandom.SetSeed(0);
            model = new Sequential([
                new Conv2D(32, (3, 3), padding: "same", activation: "relu", inputShape: [28, 28, 1]),
                new Conv2D(64, (3, 3), padding: "same", activation: "relu"),
                new MaxPooling2D((2, 2)),
                new Flatten(),
                new Dense(10, activation: "softmax"),
            ]);
            model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
            x32 = Tensor.Rand(32, 28, 28, 1);
            y32 = Tensor.RandInt(0, 10, 32);
            x1 = Tensor.Rand(1, 28, 28, 1);
            x256 = Tensor.Rand(256, 28, 28, 1);
        }

        /// <summary>Milliseconds per call of each workload, <paramref name="reps"/> times.</summary>
        internal Dictionary<string, List<double>> Round(int reps)
        {
            var result = new Dictionary<string, List<double>>();
            foreach (var w in Workloads)
            {
                Action call = w switch
                {
                    "train_b32" => () => model.TrainStep([x32], [y32]),
                    "infer_b1" => () => model.Predict(x1, batchSize: 1),
                    _ => () => model.Predict(x256, batchSize: 256),
                };
                var times = result[w] = new List<double>();
                for (int r = 0; r < reps; r++)
                {
                    var sw = Stopwatch.StartNew();
                    for (int i = 0; i < Inner[w]; i++) call();
                    times.Add(sw.Elapsed.TotalMilliseconds / Inner[w]);
                }
            }
            return result;
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using NormLab.Kernels;
using NormLab.Layers;

namespace NormLab.Bench;

/// <summary>
/// `seq`: GRU(128) on (32, 20, 64) and MultiHeadAttention (4 heads of 16, self-attention) on (32, 49, 64),
/// forward + backward through the tape, next to the same workloads in PyTorch (bench/seq_torch.py, run as a
/// child process in the same run, 2 threads). Prints medians, the NormLab / PyTorch ratio and the best-of
/// ratio, and writes them with the commit, machine, load and date to bench/results/seq-&lt;date&gt;.json.
/// Options: --reps N (default 30), --no-torch.
/// </summary>
internal static class SeqBench
{
    internal static void Run(string[] args)
    {
        int reps = 30;
        int at = Array.IndexOf(args, "--reps");
        if (at >= 0 && at + 1 < args.Length) reps = int.Parse(args[at + 1]);
        if (Array.IndexOf(args, "--threads") < 0) KernelThreads.Max = 2;

        var ours = MeasureNormLab(reps);
        var (torch, theirs) = args.Contains("--no-torch") ? ("not measured (--no-torch)", null) : MeasureTorch(reps);
        Console.WriteLine($"NormLab: KernelThreads.Max = {KernelThreads.Max}; PyTorch: {torch}");
        Console.WriteLine($"{"workload",-44} {"NormLab ms",11} {"PyTorch ms",11} {"ratio",7} {"best-of",8}");
        var rows = new List<object>();
        foreach (var (name, times) in ours)
        {
            double mine = BenchResults.Median(times);
            double? other = theirs?[name] is { } t ? BenchResults.Median(t) : null;
            double? ratio = other is double o ? mine / o : null;
            double? bestOf = theirs?[name] is { } tt ? times.Min() / tt.Min() : null;
            Console.WriteLine($"{Label(name),-44} {mine,11:F3} {other?.ToString("F3") ?? "-",11} {ratio?.ToString("F2") ?? "-",7} {bestOf?.ToString("F2") ?? "-",8}");
            rows.Add(new { workload = name, label = Label(name), normlab_ms = mine, pytorch_ms = other, ratio, best_of_ratio = bestOf });
        }
        Console.WriteLine($"(medians of {reps} repetitions; ratio = NormLab / PyTorch, <= 1.0 means NormLab is as fast or faster)");
        WriteResults(rows, torch, reps);
    }

    private static string Label(string workload) => workload switch
    {
        "gru" => "GRU(128) (32, 20, 64) fwd+bwd",
        _ => "MultiHeadAttention(4x16) (32, 49, 64) fwd+bwd",
    };

    private static Dictionary<string, List<double>> MeasureNormLab(int reps)
    {
        NormLabRandom.SetSeed(0);
        var gru = new GRU(128);
        var xGru = Tensor.Rand(32, 20, 64);
        var seedGru = Tensor.Rand(32, 128);
        var mha = new MultiHeadAttention(numHeads: 4, keyDim: 16);
        var xMha = Tensor.Rand(32, 49, 64);
        var seedMha = Tensor.Rand(32, 49, 64);
        var workloads = new Dictionary<string, Action>
        {
            ["gru"] = () => Step(gru, () => gru.Call(xGru, training: true), seedGru),
            ["mha"] = () => Step(mha, () => mha.Call(xMha, xMha, training: true), seedMha),
        };
        var times = workloads.Keys.ToDictionary(k => k, _ => new List<double>());
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed.TotalSeconds < 3)
            foreach (var step in workloads.Values) step();
        for (int r = 0; r < reps; r++)
            foreach (var (name, step) in workloads)
            {
                var sw = Stopwatch.StartNew();
                step();
                times[name].Add(sw.Elapsed.TotalMilliseconds);
            }
        return times;
    }

    /// <summary>Forward, backward of sum(y * seed), then the weights' gradients cleared (as zero_grad).</summary>
    private static void Step(Layer layer, Func<Tensor> forward, Tensor seed)
    {
        forward().Backward(seed);
        foreach (var w in layer.TrainableWeights) w.Grad = null;
    }

    private static (string Description, Dictionary<string, List<double>>? Times) MeasureTorch(int reps)
    {
        const string python = "/usr/bin/python3";
        var script = FindScript();
        if (script == null) return ("not measured (bench/seq_torch.py not found)", null);
        var info = new ProcessStartInfo(python, [script, "--reps", reps.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // OpenMP threads that spin while waiting take the CPU from each other on a shared machine
        // (PyTorch's steps ran 5-8x slower under load); passive waiting is the setting for that case.
        info.Environment.TryAdd("OMP_WAIT_POLICY", "PASSIVE");
        try
        {
            using var process = Process.Start(info)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) return ($"not measured ({python} seq_torch.py failed: {stderr.Result.Trim().Split('\n')[^1]})", null);
            using var doc = JsonDocument.Parse(output);
            var root = doc.RootElement;
            var times = root.GetProperty("ms").EnumerateObject().ToDictionary(w => w.Name, w => w.Value.EnumerateArray().Select(v => v.GetDouble()).ToList());
            return ($"{root.GetProperty("torch").GetString()}, {root.GetProperty("threads").GetInt32()} threads, OMP_WAIT_POLICY={info.Environment["OMP_WAIT_POLICY"]}", times);
        }
        catch (System.ComponentModel.Win32Exception e) { return ($"not measured ({python}: {e.Message})", null); }
    }

    /// <summary>Writes the table with where and when it was measured to bench/results/seq-&lt;date&gt;.json.</summary>
    private static void WriteResults(List<object> rows, string torch, int reps) =>
        BenchResults.Write("seq", "json", root => JsonSerializer.Serialize(new
        {
            bench = "seq",
            date = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            commit = BenchResults.Commit(root),
            machine = BenchResults.Machine(),
            load_average = BenchResults.LoadAverage(),
            normlab_threads = KernelThreads.Max,
            pytorch = torch,
            repetitions = reps,
            rows,
        }, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));

    private static string? FindScript() => BenchResults.RepositoryRoot() is { } root ? Path.Combine(root, "bench", "seq_torch.py") : null;
}

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using NormLab.Kernels;
using NormLab.Layers;

namespace NormLab.Bench;

/// <summary>
/// `vit`: one training step (forward, loss, backward, Adam) of the lab's pre-LN ViT at batch 64
/// (<c>normlab compare --arch vit --norms layer --placement pre</c>), next to the same model in PyTorch
/// (bench/vit_torch.py, run as a child process after NormLab's measurement, 2 threads on both sides).
/// NormLab's step is timed as Model.Fit over 8 batches of 64, divided by 8. Prints the medians and the ratio
/// and writes them with the commit, machine, load and date to bench/results/vit-&lt;date&gt;.json.
/// Options: --reps N (default 10).
/// </summary>
internal static class VitBench
{
    private const int Batch = 64, StepsPerFit = 8;

    internal static void Run(string[] args)
    {
        int reps = 10;
        int at = Array.IndexOf(args, "--reps");
        if (at >= 0 && at + 1 < args.Length) reps = int.Parse(args[at + 1], CultureInfo.InvariantCulture);
        if (Array.IndexOf(args, "--threads") < 0) KernelThreads.Max = 2;

        NormLabRandom.SetSeed(0);
        var model = PreNormVit();
        model.Compile(optimizer: new Optimizers.Adam(learningRate: 1e-3), loss: "sparse_categorical_crossentropy");
        var x = Tensor.Rand(Batch * StepsPerFit, 28, 28, 1);
        var y = Tensor.FromArray(Enumerable.Range(0, Batch * StepsPerFit).Select(i => (float)(i % 10)).ToArray(), Batch * StepsPerFit);
        model.Fit(x, y, epochs: 1, batchSize: Batch, shuffle: false, verbose: 0); // warm-up
        var ours = new List<double>();
        for (int r = 0; r < reps; r++)
        {
            var sw = Stopwatch.StartNew();
            model.Fit(x, y, epochs: 1, batchSize: Batch, shuffle: false, verbose: 0);
            ours.Add(sw.Elapsed.TotalMilliseconds / StepsPerFit);
        }
        var (torch, theirs) = MeasureTorch(reps * StepsPerFit);
        double mine = BenchResults.Median(ours);
        double? other = theirs == null ? null : BenchResults.Median(theirs);
        Console.WriteLine($"ViT (pre-LN, 4 blocks, dim 64) train step, batch {Batch}: NormLab {mine:F1} ms (KernelThreads.Max = {KernelThreads.Max}), " +
            $"PyTorch {other?.ToString("F1", CultureInfo.InvariantCulture) ?? "-"} ms ({torch}), ratio {(other is double o ? (mine / o).ToString("F2", CultureInfo.InvariantCulture) : "-")}");
        Write(new
        {
            bench = "vit",
            date = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            machine = BenchResults.Machine(),
            load_average = BenchResults.LoadAverage(),
            normlab_threads = KernelThreads.Max,
            pytorch = torch,
            normlab_ms = mine,
            pytorch_ms = other,
            ratio = other is double p ? mine / p : (double?)null,
        });
    }

    /// <summary>The model of `normlab compare --arch vit --norms layer --placement pre` (src/NormLab.Cli/Lab/TransformerModels.cs).</summary>
    private static Model PreNormVit()
    {
        var images = new Input([28, 28, 1]);
        var tokens = new PatchEmbedding(7, 64).Call(images);
        var x = new Add().Call([tokens, new PositionEmbedding(16).Call(tokens)]);
        for (int i = 0; i < 4; i++) x = new TransformerEncoder(128, 4, normPlacement: "pre").Call(x);
        x = new GlobalAveragePooling1D().Call(new LayerNormalization(epsilon: 1e-5).Call(x));
        return new Model(images, new Dense(10, activation: "softmax").Call(x));
    }

    private static (string Description, List<double>? Times) MeasureTorch(int reps)
    {
        var script = Path.Combine(BenchResults.RepositoryRoot() ?? ".", "bench", "vit_torch.py");
        var info = new ProcessStartInfo("/usr/bin/python3", [script, "--reps", reps.ToString(CultureInfo.InvariantCulture)])
        { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // As bench seq: spinning OpenMP threads make PyTorch's steps several times slower on a loaded machine.
        info.Environment.TryAdd("OMP_WAIT_POLICY", "PASSIVE");
        try
        {
            using var process = Process.Start(info)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) return ($"not measured (vit_torch.py failed: {stderr.Result.Trim().Split('\n')[^1]})", null);
            using var doc = JsonDocument.Parse(output);
            var root = doc.RootElement;
            return ($"{root.GetProperty("torch").GetString()}, {root.GetProperty("threads").GetInt32()} threads, OMP_WAIT_POLICY={info.Environment["OMP_WAIT_POLICY"]}",
                root.GetProperty("ms").EnumerateArray().Select(v => v.GetDouble()).ToList());
        }
        catch (System.ComponentModel.Win32Exception e) { return ($"not measured ({e.Message})", null); }
    }

    /// <summary>bench/results/vit-&lt;date&gt;.json.</summary>
    private static void Write(object result) =>
        BenchResults.Write("vit", "json", _ => JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
}

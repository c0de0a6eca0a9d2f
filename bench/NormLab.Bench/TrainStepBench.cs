using System.Diagnostics;
using System.Runtime;
using NormLab.Layers;

namespace NormLab.Bench;

/// <summary>
/// `train-step`: ms per training step (Fit, one process) of three models with different allocation
/// patterns: the MNIST CNN with BN (few activations of 1.6-6.4 MB), the Embedding → LSTM →
/// LayerNormalization → LSTM model of the examples (many small tensors per time step) and an MLP with
/// BN. It measures what the GC settings of src/NormLab/build/NormLab.props do; compare them by
/// overriding one with an environment variable, e.g. <c>DOTNET_gcConcurrent=1</c> or
/// <c>DOTNET_GCRegionSize=0x4000000 DOTNET_GCLOHThreshold=0x2000000</c>.
/// Options: --steps N (default 40, after one warm-up epoch of the same length), --only cnn|lstm|mlp.
/// </summary>
internal static class TrainStepBench
{
    /// <summary>Entry point for the `train-step` subcommand.</summary>
    internal static void Run(string[] args)
    {
        int at = Array.IndexOf(args, "--steps");
        int steps = at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1]) : 40;
        int o = Array.IndexOf(args, "--only");
        string? only = o >= 0 && o + 1 < args.Length ? args[o + 1] : null;
        Console.WriteLine($"GC: {(GCSettings.IsServerGC ? "server" : "workstation")}, latency mode {GCSettings.LatencyMode}, " +
            $"region size {AppContext.GetData("System.GC.RegionSize") ?? "default"}, LOH threshold {AppContext.GetData("System.GC.LOHThreshold") ?? "default"} " +
            $"(environment variables override these); kernel threads {NormLab.Kernels.KernelThreads.Max}");
        Console.WriteLine("model      batch   ms/step   process CPU ms/step   gen0 GCs/step");
        foreach (var name in new[] { "cnn", "lstm", "mlp" })
        {
            if (only != null && only != name) continue;
            NormLabRandom.SetSeed(1);
            var (model, x, y, batch) = Build(name, steps);
            model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy");
            model.Fit(x, y, epochs: 1, batchSize: batch, verbose: 0);
            var process = Process.GetCurrentProcess();
            var cpu0 = process.TotalProcessorTime;
            int gcs0 = GC.CollectionCount(0);
            var watch = Stopwatch.StartNew();
            model.Fit(x, y, epochs: 1, batchSize: batch, verbose: 0);
            double wall = watch.Elapsed.TotalMilliseconds;
            process.Refresh();
            double cpu = (process.TotalProcessorTime - cpu0).TotalMilliseconds;
            Console.WriteLine($"{name,-8} {batch,6} {wall / steps,9:F2} {cpu / steps,21:F2} {(double)(GC.CollectionCount(0) - gcs0) / steps,15:F2}");
        }
    }

    private static (Sequential Model, Tensor X, Tensor Y, int Batch) Build(string name, int steps) => name switch
    {
        "cnn" => (new Sequential([
                new Conv2D(32, (3, 3), padding: "same", inputShape: [28, 28, 1]), new BatchNormalization(), new Activation("relu"),
                new Conv2D(64, (3, 3), padding: "same"), new BatchNormalization(), new Activation("relu"),
                new MaxPooling2D((2, 2)), new Flatten(), new Dense(10, activation: "softmax")]),
            Tensor.Rand(32 * steps, 28, 28, 1), Tensor.RandInt(0, 10, 32 * steps), 32),
        "lstm" => (new Sequential([
                new Embedding(1000, 64, inputLength: 20), new LSTM(128, returnSequences: true), new LayerNormalization(),
                new LSTM(128), new LayerNormalization(), new Dense(10, activation: "softmax")]),
            Tensor.RandInt(0, 1000, 32 * steps, 20), Tensor.RandInt(0, 10, 32 * steps), 32),
        _ => (new Sequential([new Dense(256, activation: "relu", inputShape: [784]), new BatchNormalization(), new Dense(10, activation: "softmax")]),
            Tensor.Rand(128 * steps, 784), Tensor.RandInt(0, 10, 128 * steps), 128),
    };
}

using System.Diagnostics;
using System.Globalization;
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

        var (table, notes) = SideBySide.Run(cases.Select(c => new Workload(c.Key, c.Label, c.Time)).ToList(), torch, rounds,
            warmUpSeconds: 3, "forward + backward", "F2");
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

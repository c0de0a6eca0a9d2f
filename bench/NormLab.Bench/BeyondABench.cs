using System.Diagnostics;
using NormLab.Kernels;
using NormLab.Layers;

namespace NormLab.Bench;

/// <summary>
/// `norm-layers-a`: the beyond-Keras part A layers through <see cref="Layer.Call"/> (training) and
/// the tape's backward of sum(y * dy), on (32, 28, 28, 64) NHWC, next to BatchNormalization through
/// the same path. Median of repeated runs, ms. bench/beyond_a_torch.py is the PyTorch side.
/// </summary>
internal static class BeyondABench
{
    internal static void Run(string[] args)
    {
        Console.WriteLine($"threads={KernelThreads.Max}");
        Console.WriteLine($"{"layer (32,28,28,64)",-28} {"fwd ms",9} {"fwd+bwd ms",11} {"x BN f+b",9}");
        int[] dims = [32, 28, 28, 64];
        var rng = new Random(1);
        int n = dims.Aggregate(1, (a, b) => a * b);
        var x = Tensor.FromArray(Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble()).ToArray(), dims);
        var dy = Tensor.FromArray(Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray(), dims);
        var layers = new (string name, Func<Layer> make)[]
        {
            ("BatchNormalization", () => new BatchNormalization()),
            ("InstanceNormalization", () => new InstanceNormalization()),
            ("GhostBatchNormalization(8)", () => new GhostBatchNormalization(8)),
            ("FilterResponseNorm+TLU", () => new FilterResponseNormalization()),
            ("EvoNormB0", () => new EvoNormB0()),
            ("EvoNormS0(32)", () => new EvoNormS0()),
            ("LocalResponseNorm(r=5)", () => new LocalResponseNormalization()),
            ("WeightStd Conv3x3 64->64", () => new WeightStandardization(new Conv2D(64, 3, padding: "same"))),
            ("Conv3x3 64->64 (plain)", () => new Conv2D(64, 3, padding: "same")),
        };
        double bn = 0;
        foreach (var (name, make) in layers)
        {
            var layer = make();
            layer.Build(dims);
            double f = Time(() => { using var _ = Autograd.Tape.NoGrad(); layer.Call(x, training: true); });
            double fb = Time(() =>
            {
                x.RequiresGrad = true; x.Grad = null;
                foreach (var w in layer.TrainableWeights) w.Grad = null;
                Ops.Sum(Ops.Mul(layer.Call(x, training: true), dy)).Backward();
            });
            if (bn == 0) bn = fb;
            Console.WriteLine($"{name,-28} {f,9:F2} {fb,11:F2} {fb / bn,9:F2}");
        }
    }

    private static double Time(Action a, int reps = 7)
    {
        a();
        var t = new double[reps];
        for (int i = 0; i < reps; i++) { var sw = Stopwatch.StartNew(); a(); t[i] = sw.Elapsed.TotalMilliseconds; }
        Array.Sort(t);
        return t[reps / 2];
    }
}

using NormLab.Kernels;

namespace NormLab.Bench;

/// <summary>
/// `conv`: Conv2DKernel forward / backward-input / backward-kernel timings on the MNIST CNN layers
/// (28×28×1 → Conv 32 3×3 same → Conv 64 3×3 same) at batch 32, and forward at batch 1; then
/// DepthwiseConv2DKernel's on 28×28×32 3×3 same at batch 32.
/// Options: --batch N.
/// </summary>
internal static class ConvBench
{
    /// <summary>Entry point for the `conv` subcommand.</summary>
    internal static void Run(string[] args)
    {
        int batch = 32;
        int at = Array.IndexOf(args, "--batch");
        if (at >= 0 && at + 1 < args.Length) batch = int.Parse(args[at + 1]);
        Console.WriteLine($"KernelThreads.Max: {KernelThreads.Max}");
        Console.WriteLine($"{"layer",-28} {"pass",-15} {"ms",9} {"GFLOP/s",9}");
        foreach (int b in new[] { batch, 1 })
        {
            Layer($"b{b} 28x28x1 -> 32 3x3 same", Conv2DGeometry.Create(b, 28, 28, 1, 3, 3, 32, 1, 1, 1, 1, "same"), forwardOnly: b == 1);
            Layer($"b{b} 28x28x32 -> 64 3x3 same", Conv2DGeometry.Create(b, 28, 28, 32, 3, 3, 64, 1, 1, 1, 1, "same"), forwardOnly: b == 1);
        }
        Depthwise($"b{batch} 28x28x32 depthwise 3x3", Conv2DGeometry.Create(batch, 28, 28, 32, 3, 3, 32, 1, 1, 1, 1, "same"));
    }

    private static void Layer(string name, Conv2DGeometry g, bool forwardOnly)
    {
        var rng = new Random(1);
        float[] Fill(long n) { var v = new float[n]; for (int i = 0; i < v.Length; i++) v[i] = rng.NextSingle() - 0.5f; return v; }
        var x = Fill(g.InputLength);
        var k = Fill(g.KernelLength);
        var bias = Fill(g.OutC);
        var y = new float[g.OutputLength];
        var dy = Fill(g.OutputLength);
        var dx = new float[g.InputLength];
        var dk = new float[g.KernelLength];
        double flops = 2.0 * g.OutputPixels * g.PatchSize * g.OutC;
        void Report(string pass, Action action)
        {
            double s = GemmBench.Time(action, minSeconds: 0.5);
            Console.WriteLine($"{name,-28} {pass,-15} {s * 1e3,9:F3} {flops / s / 1e9,9:F1}");
        }
        Report("forward", () => Conv2DKernel.Forward(g, x, k, bias, y));
        if (forwardOnly) return;
        Report("backward input", () => Conv2DKernel.BackwardInput(g, dy, k, dx));
        Report("backward kernel", () => Conv2DKernel.BackwardKernel(g, x, dy, dk));
    }

    private static void Depthwise(string name, Conv2DGeometry g)
    {
        var rng = new Random(1);
        float[] Fill(long n) { var v = new float[n]; for (int i = 0; i < v.Length; i++) v[i] = rng.NextSingle() - 0.5f; return v; }
        var x = Fill(g.InputLength);
        var k = Fill(g.KernelH * g.KernelW * g.InC);
        var bias = Fill(g.InC);
        var y = new float[g.OutputLength];
        var dy = Fill(g.OutputLength);
        var dx = new float[g.InputLength];
        var dk = new float[k.Length];
        double flops = 2.0 * g.OutputLength * g.KernelH * g.KernelW;
        void Report(string pass, Action action)
        {
            double s = GemmBench.Time(action, minSeconds: 0.5);
            Console.WriteLine($"{name,-28} {pass,-15} {s * 1e3,9:F3} {flops / s / 1e9,9:F1}");
        }
        Report("forward", () => DepthwiseConv2DKernel.Forward(g, x, k, bias, y));
        Report("backward input", () => DepthwiseConv2DKernel.BackwardInput(g, dy, k, dx));
        Report("backward kernel", () => DepthwiseConv2DKernel.BackwardKernel(g, x, dy, dk));
        Report("bias gradient", () => Ops.ColumnSums(dy, g.OutputPixels, g.OutC));
    }
}

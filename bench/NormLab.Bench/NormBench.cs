using System.Diagnostics;
using NormLab.Kernels;

namespace NormLab.Bench;

/// <summary>
/// `norm`: forward and forward+backward of the fused normalization kernels (BN, LN, GN groups 4, IN)
/// on (32, 28, 28, 64) NHWC and (32, 20, 128) inputs, next to a plain copy of the same tensor (the
/// bandwidth floor). Median of repeated runs, in milliseconds. bench/norm_torch.py is the PyTorch side.
/// </summary>
internal static class NormBench
{
    internal static void Run(string[] args)
    {
        Console.WriteLine($"threads={KernelThreads.Max}");
        Console.WriteLine($"{"case",-28} {"copy ms",9} {"fwd ms",9} {"fwd+bwd ms",11} {"fwd/copy",9}");
        foreach (var (name, dims) in new[] { ("nhwc (32,28,28,64)", new[] { 32, 28, 28, 64 }), ("seq (32,20,128)", new[] { 32, 20, 128 }) })
        {
            int n = dims.Aggregate(1, (a, b) => a * b), C = dims[^1], N = dims[0], S = n / (N * C);
            var rng = new Random(1);
            var x = new float[n]; var dy = new float[n]; var y = new float[n]; var dx = new float[n];
            for (int i = 0; i < n; i++) { x[i] = (float)rng.NextDouble(); dy[i] = (float)rng.NextDouble() - 0.5f; }
            var gamma = Enumerable.Repeat(1f, C).ToArray(); var beta = new float[C];
            var dg = new float[C]; var db = new float[C];
            double copy = Time(() => Array.Copy(x, y, n));

            // Channel flavour: BN [1, N*S, C, 1], GN [N, S, C, 1] with G groups; moments on [B, O, G, C/G].
            void Channel(int B, int O, int G, bool backward)
            {
                var mean = new double[B * G]; var v = new double[B * G];
                Moments.Compute(x, B, O, G, C / G, mean, v);
                var inv = v.Select(q => (float)(1 / Math.Sqrt(q + 1e-3))).ToArray();
                Normalize.ChannelForward(x, y, B, O, C, 1, G, mean, inv, gamma, beta);
                if (backward) Normalize.ChannelBackward(x, dy, B, O, C, 1, G, mean, inv, gamma, true, dx, dg, db);
            }
            // Row flavour (LN over the last axis): [rows, 1, 1, C].
            void Row(bool backward)
            {
                int rows = n / C;
                var mean = new double[rows]; var v = new double[rows];
                Moments.Compute(x, rows, 1, 1, C, mean, v);
                var inv = v.Select(q => (float)(1 / Math.Sqrt(q + 1e-3))).ToArray();
                Normalize.RowForward(x, y, rows, 1, 1, C, mean, inv, gamma, beta, true);
                if (backward) Normalize.RowBackward(x, dy, rows, 1, 1, C, mean, inv, gamma, true, dx, dg, db);
            }
            var cases = new (string op, Action<bool> run)[]
            {
                ("BN", b => Channel(1, N * S, C, b)),
                ("LN", b => Row(b)),
                ("GN4", b => Channel(N, S, 4, b)),
                ("IN", b => Channel(N, S, C, b)),
            };
            foreach (var (op, run) in cases)
            {
                double f = Time(() => run(false)), fb = Time(() => run(true));
                Console.WriteLine($"{op + " " + name,-28} {copy,9:F3} {f,9:F3} {fb,11:F3} {f / copy,9:F2}");
            }
        }
        RunLayers();
    }

    /// <summary>
    /// Layer level (tape, statistics, fused ops and moving-statistic updates included), training mode:
    /// BatchNormalization next to the layers made of the same statistics, BatchInstanceNormalization and
    /// SwitchableNormalization. The SN/BN column is the issue's goal (SN fwd+bwd within 2x of BN).
    /// </summary>
    private static void RunLayers()
    {
        Console.WriteLine();
        Console.WriteLine($"{"layer (training)",-28} {"fwd ms",9} {"fwd+bwd ms",11} {"fwd+bwd/BN",11}");
        foreach (var (name, dims) in new[] { ("nhwc (32,28,28,64)", new[] { 32, 28, 28, 64 }), ("seq (32,20,128)", new[] { 32, 20, 128 }) })
        {
            int n = dims.Aggregate(1, (a, b) => a * b);
            var rng = new Random(1);
            var x = Tensor.FromArray(Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble()).ToArray(), dims);
            var dy = Tensor.FromArray(Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray(), dims);
            double bn = 0;
            foreach (var (op, make) in new (string, Func<Layers.Layer>)[]
            {
                ("BN", () => new Layers.BatchNormalization()),
                ("BIN", () => new Layers.BatchInstanceNormalization()),
                ("SN", () => new Layers.SwitchableNormalization()),
            })
            {
                var layer = make();
                layer.Build(dims);
                double f = Time(() => { using var _ = Autograd.Tape.NoGrad(); layer.Call(x, training: true); });
                x.RequiresGrad = true;
                double fb = Time(() =>
                {
                    foreach (var w in layer.TrainableWeights) w.Grad = null;
                    x.Grad = null;
                    layer.Call(x, training: true).Backward(dy);
                });
                x.RequiresGrad = false;
                if (op == "BN") bn = fb;
                Console.WriteLine($"{op + " " + name,-28} {f,9:F3} {fb,11:F3} {fb / bn,11:F2}");
            }
        }
    }

    private static double Time(Action a, int reps = 30)
    {
        for (int i = 0; i < 3; i++) a();
        var t = new double[reps];
        for (int i = 0; i < reps; i++) { var sw = Stopwatch.StartNew(); a(); t[i] = sw.Elapsed.TotalMilliseconds; }
        Array.Sort(t);
        return t[reps / 2];
    }
}

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

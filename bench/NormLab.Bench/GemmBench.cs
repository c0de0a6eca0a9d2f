using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NormLab.Kernels;

namespace NormLab.Bench;

/// <summary>
/// `gemm`: measures this machine's peak FP32 rate with a register-only FMA loop, then the GEMM
/// rate for square sizes on one thread and on <see cref="KernelThreads.Max"/> threads.
/// Options: --sizes 256,512,1024,2048.
/// </summary>
internal static class GemmBench
{
    /// <summary>Entry point for the `gemm` subcommand.</summary>
    internal static void Run(string[] args)
    {
        int[] sizes = [256, 512, 1024, 2048];
        int s = Array.IndexOf(args, "--sizes");
        if (s >= 0 && s + 1 < args.Length) sizes = args[s + 1].Split(',').Select(int.Parse).ToArray();
        int maxThreads = KernelThreads.Max;
        int shapeAt = Array.IndexOf(args, "--shape");
        if (shapeAt >= 0 && shapeAt + 1 < args.Length)
        {
            Shape(args[shapeAt + 1]);
            return;
        }
        int[] threadCounts = maxThreads > 1 ? [1, maxThreads] : [1];

        Console.WriteLine($"FMA: {Fma.IsSupported}, AVX2: {Avx2.IsSupported}, processors: {Environment.ProcessorCount}, KernelThreads.Max: {maxThreads}");
        var peak = new Dictionary<int, double>();
        foreach (int t in threadCounts)
        {
            peak[t] = PeakGflops(t);
            Console.WriteLine($"peak FP32 (register-only FMA), {t} thread(s): {peak[t],8:F1} GFLOP/s");
        }

        Console.WriteLine();
        Console.WriteLine($"{"size",6} {"threads",8} {"ms",10} {"GFLOP/s",10} {"% peak",8}");
        foreach (int n in sizes)
        {
            var a = new float[n * n];
            var b = new float[n * n];
            var c = new float[n * n];
            var rng = new Random(1);
            for (int i = 0; i < a.Length; i++) { a[i] = rng.NextSingle() - 0.5f; b[i] = rng.NextSingle() - 0.5f; }
            foreach (int t in threadCounts)
            {
                KernelThreads.Max = t;
                double flops = 2.0 * n * n * n;
                double best = Time(() => Gemm.Multiply(a, b, c, n, n, n), minSeconds: 1.0);
                double gflops = flops / best / 1e9;
                Console.WriteLine($"{n,6} {t,8} {best * 1e3,10:F2} {gflops,10:F1} {100 * gflops / peak[t],7:F1}%");
            }
            KernelThreads.Max = maxThreads;
        }
    }

    /// <summary>`--shape m,n,k[,tA,tB]`: one GEMM shape, single-threaded and on all threads (tA/tB are 0 or 1).</summary>
    private static void Shape(string spec)
    {
        int[] v = spec.Split(',').Select(int.Parse).ToArray();
        int m = v[0], n = v[1], k = v[2];
        bool ta = v.Length > 3 && v[3] != 0, tb = v.Length > 4 && v[4] != 0;
        var a = new float[m * k];
        var b = new float[k * n];
        var c = new float[m * n];
        double flops = 2.0 * m * n * k;
        double one = Time(() => Gemm.MultiplySingleThreaded(a, b, c, m, n, k, ta, tb), 0.5);
        double all = Time(() => Gemm.Multiply(a, b, c, m, n, k, ta, tb), 0.5);
        Console.WriteLine($"m={m} n={n} k={k} tA={ta} tB={tb}: 1 thread {flops / one / 1e9:F1} GFLOP/s, {KernelThreads.Max} threads {flops / all / 1e9:F1} GFLOP/s");
    }

    /// <summary>Best-of time in seconds, after one warm-up call, repeating for at least <paramref name="minSeconds"/>.</summary>
    internal static double Time(Action action, double minSeconds)
    {
        action();
        double best = double.MaxValue;
        var total = Stopwatch.StartNew();
        int reps = 0;
        while (reps < 3 || total.Elapsed.TotalSeconds < minSeconds)
        {
            var sw = Stopwatch.StartNew();
            action();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
            reps++;
        }
        return best;
    }

    /// <summary>FP32 GFLOP/s of independent FMA chains held in registers, summed over <paramref name="threads"/> threads.</summary>
    private static double PeakGflops(int threads)
    {
        const long iterations = 200_000_000;
        FmaLoop(1000); // JIT warm-up
        double best = 0;
        for (int trial = 0; trial < 3; trial++)
        {
            // Dedicated threads released together, so no thread-pool ramp-up is timed.
            using var start = new Barrier(threads + 1);
            var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
            {
                start.SignalAndWait();
                FmaLoop(iterations);
            })).ToArray();
            foreach (var w in workers) w.Start();
            start.SignalAndWait();
            var sw = Stopwatch.StartNew();
            foreach (var w in workers) w.Join();
            double seconds = sw.Elapsed.TotalSeconds;
            // 10 chains × 8 lanes × 2 flops per FMA.
            best = Math.Max(best, threads * iterations * 10 * 8 * 2 / seconds / 1e9);
        }
        return best;
    }

    /// <summary>Ten independent FMA chains: enough to cover latency × throughput on two FMA pipes.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float FmaLoop(long iterations)
    {
        var m = Vector256.Create(0.999999f);
        var add = Vector256.Create(1e-7f);
        Vector256<float> a0 = Vector256.Create(1f), a1 = a0 + add, a2 = a1 + add, a3 = a2 + add, a4 = a3 + add;
        Vector256<float> a5 = a4 + add, a6 = a5 + add, a7 = a6 + add, a8 = a7 + add, a9 = a8 + add;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Gemm.MulAdd(a0, m, add); a1 = Gemm.MulAdd(a1, m, add); a2 = Gemm.MulAdd(a2, m, add);
            a3 = Gemm.MulAdd(a3, m, add); a4 = Gemm.MulAdd(a4, m, add); a5 = Gemm.MulAdd(a5, m, add);
            a6 = Gemm.MulAdd(a6, m, add); a7 = Gemm.MulAdd(a7, m, add); a8 = Gemm.MulAdd(a8, m, add);
            a9 = Gemm.MulAdd(a9, m, add);
        }
        var sum = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + (a8 + a9);
        return Vector256.Sum(sum);
    }
}

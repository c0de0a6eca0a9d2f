using System.Runtime.InteropServices;
using NormLab.Callbacks;
using NormLab.Distributed;
using NormLab.Layers;

namespace NormLab.Bench;

/// <summary>
/// `distributed`: data-parallel training throughput of the MNIST-style CNN (28×28×1 → Conv2D 32 →
/// Conv2D 64 → MaxPool → Flatten → Dense 10), global batch 32 by default, run under
/// <c>mpirun -np K</c> (or alone for one rank). Reports samples/s, ms per step and the time per
/// step spent in collectives. Options: --batch N (global), --steps N, --warmup N,
/// --bn none|local|sync (a BatchNormalization after each convolution).
/// See bench/distributed.sh for the 1-rank vs 2-rank comparison.
/// </summary>
internal static class DistributedBench
{
    /// <summary>Entry point for the `distributed` subcommand.</summary>
    internal static void Run(string[] args)
    {
        int batch = Option(args, "--batch", 32), steps = Option(args, "--steps", 40), warmup = Option(args, "--warmup", 5);
        int at = Array.IndexOf(args, "--bn");
        string bn = at >= 0 && at + 1 < args.Length ? args[at + 1] : "none";
        var world = Communicator.World;

        NormLabRandom.SetSeed(1);
        var x = Tensor.Rand((warmup + steps) * batch, 28, 28, 1);
        var y = Tensor.RandInt(0, 10, (warmup + steps) * batch);
        var layers = new List<Layer>();
        void ConvBlock(Conv2D conv)
        {
            layers.Add(conv);
            if (bn != "none") layers.Add(new BatchNormalization(synchronized: bn == "sync"));
            layers.Add(new Activation("relu"));
        }
        ConvBlock(new Conv2D(32, (3, 3), padding: "same", inputShape: [28, 28, 1]));
        ConvBlock(new Conv2D(64, (3, 3), padding: "same"));
        layers.AddRange([new MaxPooling2D((2, 2)), new Flatten(), new Dense(10, activation: "softmax")]);
        var model = new Sequential(layers);
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);

        var clock = new Clock(warmup, world);
        model.Fit(x, y, epochs: 1, batchSize: batch, shuffle: false, callbacks: [clock], verbose: 0, distributed: true);
        // The pure cost of the gradient allreduce, with the ranks lined up by a barrier first.
        var gradients = new float[model.TrainableWeights.Sum(w => w.Size) + model.TrainableWeights.Count + 1];
        double allreduce = 0;
        for (int i = 0; i < 20; i++)
        {
            world.Barrier();
            double before = world.CommunicationSeconds;
            world.AllreduceSum(gradients);
            allreduce += world.CommunicationSeconds - before;
        }
        // One synchronized-BN collective: the forward's allgather of (n, mean[64], M2[64]).
        var moments = new double[1 + 2 * 64];
        double gather = 0;
        for (int i = 0; i < 20; i++)
        {
            world.Barrier();
            double before = world.CommunicationSeconds;
            world.Allgather<double>(moments);
            gather += world.CommunicationSeconds - before;
        }
        if (!world.IsRoot) return;
        double seconds = clock.Seconds, perStep = seconds / steps;
        Console.WriteLine($"ranks {world.Size}, threads/rank {NormLab.Kernels.KernelThreads.Max}, global batch {batch}, bn {bn}, {steps} steps after {warmup} warm-up");
        Console.WriteLine($"  {batch * steps / seconds,8:F1} samples/s   {perStep * 1e3,7:F2} ms/step   " +
            $"collectives {clock.CommSeconds / steps * 1e3:F3} ms/step ({(double)clock.Calls / steps:F1} calls/step, rank 0; includes waiting for the slowest rank)");
        Console.WriteLine($"  main-thread CPU {clock.CpuSeconds / steps * 1e3:F2} ms/step (compute plus polling in collectives; " +
            $"what the step costs on an idle core, whatever else the machine runs)");
        Console.WriteLine($"  gradient allreduce alone: {allreduce / 20 * 1e3:F3} ms for {gradients.Length} floats ({gradients.Length * 4 / 1e6:F2} MB); " +
            $"a sync-BN statistics allgather alone: {gather / 20 * 1e3:F3} ms");
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1]) : fallback;
    }

    private struct TimeSpec { public long Seconds, Nanoseconds; }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID): the kernels run on it with --threads 1.</summary>
    private static double ThreadCpuSeconds() => ClockGetTime(3, out var t) == 0 ? t.Seconds + t.Nanoseconds * 1e-9 : double.NaN;

    /// <summary>Times the steps after the warm-up (the clock starts at the end of the last warm-up step).</summary>
    private sealed class Clock(int warmup, Communicator world) : Callback
    {
        private readonly System.Diagnostics.Stopwatch watch = new();
        private double commStart;
        private long callsStart;

        private double cpuStart;

        public double Seconds => watch.Elapsed.TotalSeconds;
        public double CpuSeconds { get; private set; }
        public double CommSeconds { get; private set; }
        public long Calls { get; private set; }

        public override void OnBatchEnd(int batch, IReadOnlyDictionary<string, double> logs)
        {
            if (batch == warmup - 1)
            {
                commStart = world.CommunicationSeconds;
                callsStart = world.Collectives;
                cpuStart = ThreadCpuSeconds();
                watch.Restart();
            }
        }

        public override void OnTrainEnd()
        {
            watch.Stop();
            CpuSeconds = ThreadCpuSeconds() - cpuStart;
            CommSeconds = world.CommunicationSeconds - commStart;
            Calls = world.Collectives - callsStart;
        }
    }
}

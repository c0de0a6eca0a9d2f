using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace NormLab.Kernels;

/// <summary>
/// The fork-join under every parallel kernel: runs <c>body(t)</c> for t in [0, tasks) on the calling
/// thread and up to <see cref="KernelThreads.Max"/> - 1 helper threads of its own.
/// </summary>
/// <remarks>
/// Why not Parallel.For: a layer call on a (32, 20, 128) tensor does 10-20 µs of work in two or
/// three parallel kernels, and each Parallel.For cost 2-3 µs (a task replicator queued on the thread
/// pool, a worker woken) even with the pool's threads awake. Here a fork is one shared job object:
/// helpers that spin briefly after each job see it at once; every thread claims tasks from the job's
/// counter, so a helper that is asleep or descheduled never holds up the caller, which runs any task
/// nobody has claimed and then waits only for tasks already running. Helpers spin for
/// <see cref="SpinMicroseconds"/> after their last task and then block, so an idle process uses no CPU.
/// A fork from inside a task, or while another thread's fork is running, falls back to Parallel.For.
/// </remarks>
internal static class ForkJoin
{
    /// <summary>How long a helper keeps polling for the next job before it blocks: long enough to
    /// bridge the gaps between the kernels of a layer and between layers, short enough not to hold a
    /// core that another process wants.</summary>
    internal const int SpinMicroseconds = 50;

    /// <summary>One fork: its body, task count, the next unclaimed task, finished tasks and the first error.</summary>
    private sealed class Job(Action<int> body, int tasks, int helpersWanted)
    {
        /// <summary>Cleared when the job is done, so that the last job (which helpers keep seeing until the
        /// next) does not keep the kernel's arrays alive.</summary>
        internal Action<int>? Body = body;
        internal readonly int Tasks = tasks;
        internal readonly int HelpersWanted = helpersWanted;
        internal int Next;
        internal int Done;
        internal Exception? Error;

        /// <summary>Claims and runs tasks until none is left.</summary>
        internal void Work()
        {
            int t;
            while ((t = Interlocked.Increment(ref Next) - 1) < Tasks)
            {
                try { Body!(t); }
                catch (Exception e) { Interlocked.CompareExchange(ref Error, e, null); }
                Interlocked.Increment(ref Done);
            }
        }
    }

    private static readonly object Gate = new();
    private static readonly List<Thread> Helpers = [];
    private static Job? _current;
    private static int _busy;
    private static int _sleepers;

    /// <summary>Runs <paramref name="body"/>(t) for every t in [0, <paramref name="tasks"/>) and returns when all
    /// have finished; the first exception a task throws is rethrown here.</summary>
    internal static void Run(int tasks, Action<int> body)
    {
        int threads = Math.Min(tasks, KernelThreads.Max);
        if (threads <= 1)
        {
            for (int t = 0; t < tasks; t++) body(t);
            return;
        }
        if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            Parallel.For(0, tasks, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
            return;
        }
        try
        {
            EnsureHelpers(threads - 1);
            var job = new Job(body, tasks, threads - 1);
            Interlocked.Exchange(ref _current, job);
            if (Volatile.Read(ref _sleepers) > 0)
                lock (Gate) Monitor.PulseAll(Gate);
            job.Work();
            var spin = new SpinWait();
            while (Volatile.Read(ref job.Done) < tasks) spin.SpinOnce(sleep1Threshold: -1);
            job.Body = null;
            if (job.Error != null) ExceptionDispatchInfo.Throw(job.Error);
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    private static void EnsureHelpers(int count)
    {
        while (Helpers.Count < count)
        {
            int index = Helpers.Count;
            var thread = new Thread(() => HelperLoop(index)) { IsBackground = true, Name = $"NormLab kernel {index + 1}" };
            Helpers.Add(thread);
            thread.Start();
        }
    }

    /// <summary>A helper: takes part in each job that wants at least index + 1 helpers.</summary>
    private static void HelperLoop(int index)
    {
        Job? seen = null;
        while (true)
        {
            var job = WaitForJob(seen);
            seen = job;
            if (index < job.HelpersWanted) job.Work();
        }
    }

    /// <summary>The first job other than <paramref name="seen"/>: polled for <see cref="SpinMicroseconds"/>, then waited for.</summary>
    private static Job WaitForJob(Job? seen)
    {
        long until = Stopwatch.GetTimestamp() + Stopwatch.Frequency * SpinMicroseconds / 1_000_000;
        Job? job;
        while ((job = Volatile.Read(ref _current)) == seen)
        {
            if (Stopwatch.GetTimestamp() > until)
            {
                lock (Gate)
                {
                    // Count ourselves asleep before the last look, so that Run either sees the count
                    // or this look sees its job (both sides use full fences).
                    Interlocked.Increment(ref _sleepers);
                    while ((job = Volatile.Read(ref _current)) == seen) Monitor.Wait(Gate);
                    Interlocked.Decrement(ref _sleepers);
                }
                return job!;
            }
            Thread.SpinWait(20);
        }
        return job!;
    }
}

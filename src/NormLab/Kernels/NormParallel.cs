namespace NormLab.Kernels;

/// <summary>Splits a range of independent work items over <see cref="KernelThreads.Max"/> threads,
/// and only when there is enough work per thread to pay for the fork.</summary>
internal static class NormParallel
{
    /// <summary>Below this many floats touched per thread, a kernel runs on fewer threads. 32K floats is
    /// some 8-15 µs of streaming work: a (32, 20, 128) norm (82K floats, read twice) runs on two threads.
    /// Measured (bench norm, 2 threads, load 1.8): GN4 (32, 20, 128) forward 0.047 -> 0.022 ms, and every
    /// seq case faster than with the former 128K. When the other core is busy the fork can cost more
    /// than it saves (30-60 µs seen at load 15).</summary>
    internal const long MinWorkPerThread = 1 << 15;

    /// <summary>Number of chunks to cut <paramref name="items"/> work items into, each worth
    /// <paramref name="workPerItem"/> floats.</summary>
    internal static int Chunks(long items, long workPerItem)
    {
        int max = Math.Max(1, KernelThreads.Max);
        long byWork = Math.Max(1, items * Math.Max(1, workPerItem) / MinWorkPerThread);
        return (int)Math.Max(1, Math.Min(Math.Min(max, byWork), items));
    }

    /// <summary>Runs <paramref name="body"/>(chunk, begin, end) for <paramref name="chunks"/> contiguous
    /// slices of [0, items).</summary>
    internal static void For(int items, int chunks, Action<int, int, int> body)
    {
        if (chunks <= 1) { body(0, 0, items); return; }
        ForkJoin.Run(chunks, t =>
        {
            int begin = (int)((long)items * t / chunks), end = (int)((long)items * (t + 1) / chunks);
            body(t, begin, end);
        });
    }
}

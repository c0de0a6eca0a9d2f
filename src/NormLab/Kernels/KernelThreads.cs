namespace NormLab.Kernels;

/// <summary>
/// The one thread-count knob for every CPU kernel (GEMM, convolution, pooling, normalization).
/// The CLI and the benchmarks set <see cref="Max"/>; <see cref="ForkJoin"/> runs a kernel on at most
/// that many threads.
/// </summary>
internal static class KernelThreads
{
    private static int _max = Environment.ProcessorCount;

    /// <summary>Most threads a single kernel call may use (at least 1). Defaults to the processor count.</summary>
    internal static int Max
    {
        get => _max;
        set => _max = Math.Max(1, value);
    }

    /// <summary>
    /// Splits [0, <paramref name="total"/>) into one contiguous range per thread and runs
    /// <paramref name="body"/>(start, end) on each; runs inline when <paramref name="work"/> (roughly,
    /// elements touched) is too small to pay for waking other threads.
    /// </summary>
    internal static void ForRanges(int total, long work, long minWorkToThread, Action<int, int> body)
    {
        int workers = work > minWorkToThread ? Math.Min(Max, total) : 1;
        if (workers <= 1)
        {
            if (total > 0) body(0, total);
            return;
        }
        ForkJoin.Run(workers,
            w => body((int)((long)total * w / workers), (int)((long)total * (w + 1) / workers)));
    }
}

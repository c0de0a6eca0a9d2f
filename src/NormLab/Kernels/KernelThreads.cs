namespace NormLab.Kernels;

/// <summary>
/// The one thread-count knob for every CPU kernel (GEMM, convolution, pooling, normalization).
/// The CLI and the benchmarks set <see cref="Max"/>; kernels pass it as
/// <see cref="ParallelOptions.MaxDegreeOfParallelism"/>.
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

    /// <summary>Parallel options capped at <paramref name="threads"/> workers.</summary>
    internal static ParallelOptions Options(int threads) => new() { MaxDegreeOfParallelism = Math.Max(1, threads) };
}

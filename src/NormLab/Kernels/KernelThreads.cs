namespace NormLab.Kernels;

/// <summary>How many threads the hot kernels may use (MaxDegreeOfParallelism of their Parallel.For).</summary>
internal static class KernelThreads
{
    internal static int Max { get; set; } = Environment.ProcessorCount;
}

using NormLab.Kernels;

namespace NormLab;

/// <summary>Process-wide engine settings.</summary>
public static class NormLabConfig
{
    /// <summary>The most threads one kernel (GEMM, convolution, normalization) may use; defaults to the processor count.</summary>
    public static int Threads
    {
        get => KernelThreads.Max;
        set
        {
            if (value < 1) throw new ArgumentException($"NormLabConfig.Threads must be >= 1, received {value}.");
            KernelThreads.Max = value;
        }
    }
}

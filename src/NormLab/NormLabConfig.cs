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

    /// <summary>
    /// The most memory, in bytes, kept for reuse from disposed tensors (<see cref="Tensor.Dispose"/>);
    /// default 256 MB. Memory disposed beyond it is left to the GC; 0 turns reuse off. Setting it
    /// lower releases what the pool holds over the new limit.
    /// </summary>
    public static long TensorPoolBytes
    {
        get => TensorPool.MaxBytes;
        set
        {
            if (value < 0) throw new ArgumentException($"NormLabConfig.TensorPoolBytes must be >= 0, received {value}.");
            TensorPool.MaxBytes = value;
        }
    }
}

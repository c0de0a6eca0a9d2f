namespace NormLab;

/// <summary>
/// Arrays handed back by <see cref="Tensor.Dispose"/>, kept by exact length for the next op that needs
/// one. A fresh array is memory the program has not touched since the last collection, so an op that
/// writes it runs at DRAM speed; a recycled one is usually still in cache (PyTorch's caching allocator
/// gives its ops the same). Arrays come back uninitialized: whoever rents one overwrites every value.
/// </summary>
internal static class TensorPool
{
    /// <summary>Arrays shorter than this are not pooled: a gen0 allocation of a few KB costs less than the lock.</summary>
    internal const int MinLength = 4096;

    private static readonly Dictionary<int, Stack<float[]>> Free = [];
    private static long pooledBytes;
    private static long maxBytes = 256L << 20;

    /// <summary>The most bytes the pool keeps; arrays handed back beyond it are left to the GC. Setting it trims the pool.</summary>
    internal static long MaxBytes
    {
        get { lock (Free) return maxBytes; }
        set
        {
            lock (Free)
            {
                maxBytes = value;
                foreach (var stack in Free.Values)
                    while (pooledBytes > maxBytes && stack.TryPop(out var dropped)) pooledBytes -= Bytes(dropped);
            }
        }
    }

    /// <summary>The bytes the pool holds now.</summary>
    internal static long PooledBytes { get { lock (Free) return pooledBytes; } }

    /// <summary>
    /// An array of exactly <paramref name="length"/> values, recycled when one is free (the one handed
    /// back last, the likeliest to be in cache); its values are undefined.
    /// </summary>
    internal static float[] Rent(int length, out bool recycled)
    {
        recycled = false;
        if (length >= MinLength)
            lock (Free)
                if (Free.TryGetValue(length, out var stack) && stack.TryPop(out var array))
                {
                    pooledBytes -= Bytes(array);
                    recycled = true;
                    return array;
                }
        return GC.AllocateUninitializedArray<float>(length);
    }

    /// <summary>Keeps <paramref name="array"/> for a later <see cref="Rent"/>; the caller must not use it again.</summary>
    internal static void Return(float[] array)
    {
        if (array.Length < MinLength) return;
        lock (Free)
        {
            if (pooledBytes + Bytes(array) > maxBytes) return;
            if (!Free.TryGetValue(array.Length, out var stack)) Free[array.Length] = stack = new Stack<float[]>();
            stack.Push(array);
            pooledBytes += Bytes(array);
        }
    }

    private static long Bytes(float[] array) => (long)array.Length * sizeof(float);
}

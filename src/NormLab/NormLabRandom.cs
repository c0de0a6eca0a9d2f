namespace NormLab;

/// <summary>
/// The single source of randomness for NormLab (initializers, dropout, shuffling),
/// like <c>keras.utils.set_random_seed</c>.
/// </summary>
public static class NormLabRandom
{
    private static Random generator = new();
    private static readonly object Gate = new();

    /// <summary>Seeds every random source so runs are reproducible.</summary>
    /// <example><code>NormLabRandom.SetSeed(42);</code></example>
    /// <param name="seed">Any integer; the same seed gives the same initial weights, shuffles and dropout masks.</param>
    public static void SetSeed(int seed)
    {
        lock (Gate) generator = new Random(seed);
    }

    /// <summary>A uniform sample in [0, 1).</summary>
    public static double NextDouble()
    {
        lock (Gate) return generator.NextDouble();
    }

    /// <summary>A uniform integer in [minValue, maxValue).</summary>
    /// <param name="minValue">Inclusive lower bound.</param>
    /// <param name="maxValue">Exclusive upper bound; must be greater than <paramref name="minValue"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">When maxValue is below minValue.</exception>
    public static int NextInt(int minValue, int maxValue)
    {
        if (maxValue < minValue)
            throw new ArgumentOutOfRangeException(nameof(maxValue), $"NormLabRandom.NextInt: maxValue ({maxValue}) must be at least minValue ({minValue}).");
        lock (Gate) return generator.Next(minValue, maxValue);
    }

    /// <summary>Fills <paramref name="target"/> with uniform samples in [low, high).</summary>
    internal static void FillUniform(Span<float> target, double low, double high)
    {
        lock (Gate)
            for (int i = 0; i < target.Length; i++) target[i] = (float)(low + (high - low) * generator.NextDouble());
    }

    /// <summary>Fills <paramref name="target"/> with normal samples (Box-Muller).</summary>
    internal static void FillNormal(Span<float> target, double mean, double stddev)
    {
        lock (Gate)
            for (int i = 0; i < target.Length; i++) target[i] = (float)(mean + stddev * NextGaussian(generator));
    }

    /// <summary>Fills with normal samples redrawn while more than two standard deviations from the mean (Keras's TruncatedNormal).</summary>
    internal static void FillTruncatedNormal(Span<float> target, double mean, double stddev)
    {
        lock (Gate)
            for (int i = 0; i < target.Length; i++)
            {
                double z;
                do z = NextGaussian(generator); while (Math.Abs(z) > 2.0);
                target[i] = (float)(mean + stddev * z);
            }
    }

    /// <summary>A random permutation of 0..n-1 (Fisher-Yates).</summary>
    internal static int[] Permutation(int n)
    {
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        lock (Gate)
            for (int i = n - 1; i > 0; i--)
            {
                int j = generator.Next(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
        return order;
    }

    /// <summary>A standard normal sample from <paramref name="generator"/> (Box-Muller); the caller holds its lock.</summary>
    internal static double NextGaussian(Random generator)
    {
        double u1 = 1.0 - generator.NextDouble();
        double u2 = generator.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}

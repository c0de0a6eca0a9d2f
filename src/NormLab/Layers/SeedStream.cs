using System.Text.Json.Nodes;

namespace NormLab.Layers;

/// <summary>
/// The draws of a random layer and Keras's <c>seed</c> argument: with a seed the layer has a generator of
/// its own, so its draws repeat from its creation whatever else draws numbers; without one it draws from
/// <see cref="NormLabRandom"/> (seeded by <see cref="NormLabRandom.SetSeed"/>).
/// </summary>
internal sealed class SeedStream(int? seed)
{
    private readonly Random? own = seed is int s ? new Random(s) : null;

    /// <summary>The seed, or null.</summary>
    internal int? Seed { get; } = seed;

    /// <summary>A uniform sample in [lower, upper).</summary>
    internal double Uniform(double lower, double upper)
    {
        if (own == null) return lower + (upper - lower) * NormLabRandom.NextDouble();
        lock (own) return lower + (upper - lower) * own.NextDouble();
    }

    /// <summary>A uniform integer in [minValue, maxValue).</summary>
    internal int NextInt(int minValue, int maxValue)
    {
        if (own == null) return NormLabRandom.NextInt(minValue, maxValue);
        lock (own) return own.Next(minValue, maxValue);
    }

    /// <summary>Fills <paramref name="target"/> with uniform samples in [low, high).</summary>
    internal void FillUniform(Span<float> target, double low, double high)
    {
        if (own == null) { NormLabRandom.FillUniform(target, low, high); return; }
        lock (own)
            for (int i = 0; i < target.Length; i++) target[i] = (float)(low + (high - low) * own.NextDouble());
    }

    /// <summary>Fills <paramref name="target"/> with normal samples.</summary>
    internal void FillNormal(Span<float> target, double mean, double stddev)
    {
        if (own == null) { NormLabRandom.FillNormal(target, mean, stddev); return; }
        lock (own)
            for (int i = 0; i < target.Length; i++) target[i] = (float)(mean + stddev * NormLabRandom.NextGaussian(own));
    }

    /// <summary>Writes the seed under Keras's key.</summary>
    internal void WriteTo(JsonObject config) => config["seed"] = Seed;

    /// <summary>The seed of a saved config, or null.</summary>
    internal static int? Read(JsonObject config) => config["seed"] is { } seed ? seed.GetValue<int>() : null;
}

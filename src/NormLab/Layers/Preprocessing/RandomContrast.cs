using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Keras's RandomContrast: in training scales each image's deviation from its per-channel mean by a
/// random factor in [1 - lower, 1 + upper] (a factor f means lower = upper = f, in [0, 1]) and clips to
/// <c>valueRange</c>; the identity at inference.
/// </summary>
public sealed class RandomContrast : Layer
{
    private readonly (double Lower, double Upper) range;
    private readonly SeedStream random;

    /// <summary>Creates the layer; arguments and defaults follow keras.layers.RandomContrast.</summary>
    /// <param name="factor">f, or (lower, upper), each in [0, 1].</param>
    /// <param name="valueRange">The pixel range the result is clipped to (Keras default (0, 255)).</param>
    /// <param name="seed">Seeds the layer's own random stream (Keras's seed); null draws from NormLabRandom.</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">Layer name (Keras <c>name</c>); default null gives a unique one from the class name in snake_case, numbered from the second layer of that class on (e.g. "re_lu", "re_lu_1").</param>
    /// <exception cref="ArgumentException">When a bound of <paramref name="factor"/> is outside [0, 1], or <paramref name="valueRange"/> is not finite with low &lt; high.</exception>
    public RandomContrast(FactorRange factor, (double Low, double High)? valueRange = null, int? seed = null, int[]? inputShape = null, string? name = null)
        : base(name, inputShape)
    {
        random = new SeedStream(seed);
        Factor = factor;
        var (lower, upper) = (factor.Lower, factor.Upper);
        if (!(lower >= 0 && lower <= 1 && upper >= 0 && upper <= 1))
            throw new ArgumentException($"{Describe()}: factor must be a number or a (lower, upper) pair with each in [0, 1], received {factor}.");
        range = (1 - lower, 1 + upper);
        ValueRange = ValueRanges.Check(valueRange ?? (0, 255), Describe());
    }

    /// <summary>The factor, as given.</summary>
    public FactorRange Factor { get; }

    /// <summary>The range the output is clipped to.</summary>
    public (double Low, double High) ValueRange { get; }

    /// <summary>The seed of the layer's own random stream, or null (draws from NormLabRandom).</summary>
    public int? Seed => random.Seed;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        RequireRank(x, 4, 4);
        if (!training) return x;
        var factors = new float[x.Dims[0]];
        for (int i = 0; i < factors.Length; i++) factors[i] = (float)random.Uniform(range.Lower, range.Upper);
        var mean = Ops.Mean(x, [1, 2], keepDims: true);
        // Scalar math: y = clip((x - mean) * factor + mean, low, high)
        var scaled = Ops.Add(Ops.Mul(Ops.Sub(x, mean), Tensor.FromArray(factors, factors.Length, 1, 1, 1)), mean);
        return Ops.Clip(scaled, ValueRange.Low, ValueRange.High);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 4, 4);
        return inputShape;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["factor"] = Factor.ToJson();
        config["value_range"] = ValueRanges.ToJson(ValueRange);
        random.WriteTo(config);
        return config;
    }

    internal static RandomContrast FromConfig(JsonObject c) =>
        new(FactorRange.FromJson(c["factor"], 0), ValueRanges.FromJson(c["value_range"]), SeedStream.Read(c), name: c.GetString("name"));
}

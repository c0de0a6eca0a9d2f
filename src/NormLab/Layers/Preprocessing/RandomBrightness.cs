using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Keras's RandomBrightness: in training adds to each image a random delta, a fraction in [lower, upper]
/// of the width of <c>valueRange</c> (a factor f means [-f, f], within [-1, 1]), and clips to
/// <c>valueRange</c>; the identity at inference.
/// </summary>
public sealed class RandomBrightness : Layer
{
    private readonly (double Lower, double Upper) range;
    private readonly SeedStream random;

    /// <summary>Creates the layer; arguments and defaults follow keras.layers.RandomBrightness.</summary>
    /// <param name="factor">f, or (lower, upper), within [-1, 1].</param>
    /// <param name="valueRange">The pixel range (Keras default (0, 255)).</param>
    /// <param name="seed">Seeds the layer's own random stream (Keras's seed); null draws from NormLabRandom.</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">Layer name (Keras <c>name</c>); default null gives a unique one from the class name in snake_case, numbered from the second layer of that class on (e.g. "re_lu", "re_lu_1").</param>
    public RandomBrightness(FactorRange factor, (double Low, double High)? valueRange = null, int? seed = null, int[]? inputShape = null, string? name = null)
        : base(name, inputShape)
    {
        random = new SeedStream(seed);
        Factor = factor;
        range = factor.Symmetric(Describe(), "factor");
        ValueRange = ValueRanges.Check(valueRange ?? (0, 255), Describe());
    }

    /// <summary>The factor, as given.</summary>
    public FactorRange Factor { get; }

    /// <summary>The pixel range.</summary>
    public (double Low, double High) ValueRange { get; }

    /// <summary>The seed of the layer's own random stream, or null (draws from NormLabRandom).</summary>
    public int? Seed => random.Seed;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        RequireRank(x, 4, 4);
        if (!training) return x;
        var deltas = new float[x.Dims[0]];
        double width = ValueRange.High - ValueRange.Low;
        for (int i = 0; i < deltas.Length; i++) deltas[i] = (float)(random.Uniform(range.Lower, range.Upper) * width);
        return Ops.Clip(Ops.Add(x, Tensor.FromArray(deltas, deltas.Length, 1, 1, 1)), ValueRange.Low, ValueRange.High);
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

    internal static RandomBrightness FromConfig(JsonObject c) =>
        new(FactorRange.FromJson(c["factor"], 0), ValueRanges.FromJson(c["value_range"]), SeedStream.Read(c), name: c.GetString("name"));
}

using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>Keras's GaussianDropout: multiplies the input by normal noise of mean 1 and standard deviation
/// <c>sqrt(rate / (1 - rate))</c> in training; the identity at inference.</summary>
public sealed class GaussianDropout : Layer
{
    /// <inheritdoc/>
    public override bool SupportsMasking => true;

    private readonly SeedStream random;

    /// <summary>Creates the layer.</summary>
    /// <param name="rate">The drop probability the noise stands for, in [0, 1).</param>
    /// <param name="seed">Seeds the layer's own random stream (Keras's seed); null draws from NormLabRandom.</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">Layer name (Keras <c>name</c>); default null gives a unique one from the class name in snake_case, numbered from the second layer of that class on (e.g. "re_lu", "re_lu_1").</param>
    public GaussianDropout(double rate, int? seed = null, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        Rate = DropoutRate.Check(rate, Describe());
        random = new SeedStream(seed);
    }

    /// <summary>The drop probability.</summary>
    public double Rate { get; }

    /// <summary>The seed of the layer's own random stream, or null (draws from NormLabRandom).</summary>
    public int? Seed => random.Seed;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (!training || Rate == 0) return x;
        var noise = Tensor.Zeros(x.Shape);
        random.FillNormal(noise.Data, 1, Math.Sqrt(Rate / (1 - Rate)));
        return Ops.Mul(x, noise);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["rate"] = Rate;
        random.WriteTo(config);
        return config;
    }

    internal static GaussianDropout FromConfig(JsonObject c) => new(c.GetDouble("rate", 0), SeedStream.Read(c), name: c.GetString("name"));
}

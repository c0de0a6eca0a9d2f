using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>Keras's GaussianNoise: adds zero-mean normal noise of standard deviation <c>stddev</c> in
/// training (from <see cref="NormLabRandom"/>); the identity at inference.</summary>
public sealed class GaussianNoise : Layer
{
    /// <inheritdoc/>
    public override bool SupportsMasking => true;

    private readonly SeedStream random;

    /// <summary>Creates the layer.</summary>
    /// <param name="stddev">The noise's standard deviation (&gt;= 0).</param>
    /// <param name="seed">Seeds the layer's own random stream (Keras's seed); null draws from NormLabRandom.</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">Layer name (Keras <c>name</c>); default null gives a unique one from the class name in snake_case, numbered from the second layer of that class on (e.g. "re_lu", "re_lu_1").</param>
    /// <exception cref="ArgumentException">When <paramref name="stddev"/> is negative, NaN or infinite.</exception>
    public GaussianNoise(double stddev, int? seed = null, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        random = new SeedStream(seed);
        if (!(stddev >= 0) || double.IsInfinity(stddev))
            throw new ArgumentException($"{Describe()}: stddev must be a finite number >= 0, received {stddev}.");
        Stddev = stddev;
    }

    /// <summary>The noise's standard deviation.</summary>
    public double Stddev { get; }

    /// <summary>The seed of the layer's own random stream, or null (draws from NormLabRandom).</summary>
    public int? Seed => random.Seed;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (!training || Stddev == 0) return x;
        var noise = Tensor.Zeros(x.Shape);
        random.FillNormal(noise.Data, 0, Stddev);
        return Ops.Add(x, noise);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["stddev"] = Stddev;
        random.WriteTo(config);
        return config;
    }

    internal static GaussianNoise FromConfig(JsonObject c) => new(c.GetDouble("stddev", 0), SeedStream.Read(c), name: c.GetString("name"));
}

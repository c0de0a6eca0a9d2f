using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Keras's AlphaDropout, for SELU networks: in training a fraction <c>rate</c> of the inputs is set to
/// SELU's negative saturation -alpha * scale, then <c>a * x + b</c> restores the mean and variance
/// (a = ((1 - rate)(1 + rate alpha'²))^-1/2, b = -a alpha' rate); the identity at inference.
/// </summary>
public sealed class AlphaDropout : Layer
{
    /// <inheritdoc/>
    public override bool SupportsMasking => true;

    private readonly SeedStream random;
    private const double SeluAlpha = 1.6732632423543772848170429916717, SeluScale = 1.0507009873554804934193349852946;

    /// <summary>Creates the layer.</summary>
    /// <param name="rate">The drop probability, in [0, 1).</param>
    /// <param name="noiseShape">The mask's shape with the batch axis first (axes of size 1 share one draw), or null for the input's shape.</param>
    /// <param name="seed">Seeds the layer's own random stream (Keras's seed); null draws from NormLabRandom.</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">Layer name (Keras <c>name</c>); default null gives a unique one from the class name in snake_case, numbered from the second layer of that class on (e.g. "re_lu", "re_lu_1").</param>
    public AlphaDropout(double rate, int[]? noiseShape = null, int? seed = null, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        random = new SeedStream(seed);
        Rate = DropoutRate.Check(rate, Describe());
        NoiseShape = noiseShape?.ToArray();
    }

    /// <summary>The drop probability.</summary>
    public double Rate { get; }

    /// <summary>The mask's shape, or null for the input's.</summary>
    public int[]? NoiseShape { get; }

    /// <summary>The seed of the layer's own random stream, or null (draws from NormLabRandom).</summary>
    public int? Seed => random.Seed;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (!training || Rate == 0) return x;
        var keep = DropoutRate.KeepMask(NoiseShapeFor(x.Dims), Rate, random);
        double alphaP = -SeluAlpha * SeluScale;
        double a = Math.Pow((1 - Rate) * (1 + Rate * alphaP * alphaP), -0.5), b = -a * alphaP * Rate;
        // Scalar math: y = a * (x * keep + alpha' * (1 - keep)) + b
        var dropped = Ops.Map(keep, k => (float)(alphaP * (1 - k)));
        return Ops.Affine(Ops.Add(Ops.Mul(x, keep), dropped), a, b);
    }

    private int[] NoiseShapeFor(ReadOnlySpan<int> dims)
    {
        if (NoiseShape == null) return dims.ToArray();
        bool fits = NoiseShape.Length == dims.Length;
        for (int i = 0; fits && i < dims.Length; i++) fits = NoiseShape[i] == dims[i] || NoiseShape[i] == 1 || i == 0;
        if (!fits)
            throw new ArgumentException($"{Describe()}: noiseShape {Shapes.Format(NoiseShape)} does not broadcast to the input shape {Shapes.Format(dims)}.");
        var shape = NoiseShape.ToArray();
        if (shape[0] != 1) shape[0] = dims[0];
        return shape;
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["rate"] = Rate;
        config["noise_shape"] = NoiseShape?.ToJson();
        random.WriteTo(config);
        return config;
    }

    internal static AlphaDropout FromConfig(JsonObject c) => new(c.GetDouble("rate", 0), c.GetInts("noise_shape"), SeedStream.Read(c), name: c.GetString("name"));
}

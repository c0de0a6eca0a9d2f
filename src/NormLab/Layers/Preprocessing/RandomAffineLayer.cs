using System.Text.Json.Nodes;

namespace NormLab.Layers;

/// <summary>
/// The base of the geometric augmentations (RandomTranslation, RandomRotation, RandomZoom): in training
/// each image gets its own random transform, applied with <see cref="Ops.AffineTransform"/>; the identity
/// at inference. Draws come from the layer's seed when given, else from <see cref="NormLabRandom"/>.
/// </summary>
public abstract class RandomAffineLayer : Layer
{
    private readonly SeedStream random;

    /// <summary>Checks and stores the sampling arguments.</summary>
    private protected RandomAffineLayer(string fillMode, string interpolation, int? seed, double fillValue, int[]? inputShape, string? name)
        : base(name, inputShape)
    {
        random = new SeedStream(seed);
        Ops.CheckFillMode(fillMode, Describe());
        Ops.IsBilinear(interpolation, Describe());
        if (!double.IsFinite(fillValue)) throw new ArgumentException($"{Describe()}: fillValue must be finite, received {fillValue}.");
        (FillMode, Interpolation, FillValue) = (fillMode, interpolation, fillValue);
    }

    /// <summary>How points outside the image are filled: "reflect" (Keras default), "wrap", "constant", "nearest" or "mirror".</summary>
    public string FillMode { get; }

    /// <summary>"bilinear" (default) or "nearest".</summary>
    public string Interpolation { get; }

    /// <summary>The value outside the image for fillMode "constant".</summary>
    public double FillValue { get; }

    /// <summary>The seed of the layer's own random stream, or null (draws from NormLabRandom).</summary>
    public int? Seed => random.Seed;

    /// <summary>One image's transform [a0, a1, a2, b0, b1, b2, c0, c1], drawn at random.</summary>
    private protected abstract double[] DrawTransform(int height, int width);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        RequireRank(x, 4, 4);
        if (!training) return x;
        int n = x.Dims[0];
        var transforms = new float[n * 8];
        for (int i = 0; i < n; i++)
        {
            var t = DrawTransform(x.Dims[1], x.Dims[2]);
            for (int k = 0; k < 8; k++) transforms[i * 8 + k] = (float)t[k];
        }
        return Ops.AffineTransform(x, Tensor.FromArray(transforms, n, 8), Interpolation, FillMode, FillValue);
    }

    /// <summary>A uniform draw in [lower, upper].</summary>
    private protected double Uniform((double Lower, double Upper) range) => random.Uniform(range.Lower, range.Upper);

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
        config["fill_mode"] = FillMode;
        config["interpolation"] = Interpolation;
        config["fill_value"] = FillValue;
        random.WriteTo(config);
        return config;
    }
}

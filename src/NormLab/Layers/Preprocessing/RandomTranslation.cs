using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Keras's RandomTranslation: in training shifts each image by a random fraction of its height and width
/// (a factor f means [-f, f]; a pair (lower, upper), within [-1, 1]); the identity at inference.
/// A positive shift moves the content down / right.
/// </summary>
public sealed class RandomTranslation : RandomAffineLayer
{
    private readonly (double Lower, double Upper) heightRange, widthRange;

    /// <summary>Creates the layer; arguments and defaults follow keras.layers.RandomTranslation.</summary>
    /// <param name="heightFactor">The vertical shift as a fraction of the height.</param>
    /// <param name="widthFactor">The horizontal shift as a fraction of the width.</param>
    /// <param name="fillMode">"reflect" (default), "wrap", "constant", "nearest" or "mirror".</param>
    /// <param name="interpolation">"bilinear" (default) or "nearest".</param>
    /// <param name="seed">Seeds the layer's own random stream (Keras's seed); null draws from NormLabRandom.</param>
    /// <param name="fillValue">The value outside the image for "constant".</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">Layer name (Keras <c>name</c>); default null gives a unique one from the class name in snake_case, numbered from the second layer of that class on (e.g. "re_lu", "re_lu_1").</param>
    public RandomTranslation(FactorRange heightFactor, FactorRange widthFactor, string fillMode = "reflect", string interpolation = "bilinear",
        int? seed = null, double fillValue = 0, int[]? inputShape = null, string? name = null) : base(fillMode, interpolation, seed, fillValue, inputShape, name)
    {
        (HeightFactor, WidthFactor) = (heightFactor, widthFactor);
        heightRange = heightFactor.Symmetric(Describe(), "heightFactor");
        widthRange = widthFactor.Symmetric(Describe(), "widthFactor");
    }

    /// <summary>The vertical factor, as given.</summary>
    public FactorRange HeightFactor { get; }

    /// <summary>The horizontal factor, as given.</summary>
    public FactorRange WidthFactor { get; }

    private protected override double[] DrawTransform(int height, int width)
    {
        double dy = Uniform(heightRange) * height, dx = Uniform(widthRange) * width;
        return [1, 0, -dx, 0, 1, -dy, 0, 0];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["height_factor"] = HeightFactor.ToJson();
        config["width_factor"] = WidthFactor.ToJson();
        return config;
    }

    internal static RandomTranslation FromConfig(JsonObject c) => new(FactorRange.FromJson(c["height_factor"], 0), FactorRange.FromJson(c["width_factor"], 0),
        c.GetString("fill_mode", "reflect")!, c.GetString("interpolation", "bilinear")!, SeedStream.Read(c), c.GetDouble("fill_value", 0), name: c.GetString("name"));
}

using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Keras's RandomZoom: in training zooms each image about its center by 1 + a random factor (positive
/// zooms out, negative zooms in; f means [-f, f]); without a width factor the aspect ratio is kept.
/// The identity at inference.
/// </summary>
public sealed class RandomZoom : RandomAffineLayer
{
    private readonly (double Lower, double Upper) heightRange;
    private readonly (double Lower, double Upper)? widthRange;

    /// <summary>Creates the layer; arguments and defaults follow keras.layers.RandomZoom.</summary>
    /// <param name="heightFactor">The vertical zoom: f for [-f, f], or (lower, upper), bounds above -1.</param>
    /// <param name="widthFactor">The horizontal zoom, or null (Keras default) to zoom both axes alike.</param>
    /// <param name="fillMode">"reflect" (default), "wrap", "constant", "nearest" or "mirror".</param>
    /// <param name="interpolation">"bilinear" (default) or "nearest".</param>
    /// <param name="seed">Seeds the layer's own random stream (Keras's seed); null draws from NormLabRandom.</param>
    /// <param name="fillValue">The value outside the image for "constant".</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">Layer name (Keras <c>name</c>); default null gives a unique one from the class name in snake_case, numbered from the second layer of that class on (e.g. "re_lu", "re_lu_1").</param>
    /// <exception cref="ArgumentException">When a bound of <paramref name="heightFactor"/> or <paramref name="widthFactor"/> is NaN or not above -1, <paramref name="fillMode"/> or <paramref name="interpolation"/> is unknown, or <paramref name="fillValue"/> is not finite.</exception>
    public RandomZoom(FactorRange heightFactor, FactorRange? widthFactor = null, string fillMode = "reflect", string interpolation = "bilinear",
        int? seed = null, double fillValue = 0, int[]? inputShape = null, string? name = null) : base(fillMode, interpolation, seed, fillValue, inputShape, name)
    {
        (HeightFactor, WidthFactor) = (heightFactor, widthFactor);
        heightRange = heightFactor.Symmetric(Describe(), "heightFactor", -1, double.MaxValue);
        widthRange = widthFactor?.Symmetric(Describe(), "widthFactor", -1, double.MaxValue);
        if (heightRange.Lower == -1 || widthRange?.Lower == -1)
            throw new ArgumentException($"{Describe()}: a zoom factor must stay above -1 (a zoom of 0), received heightFactor {heightFactor}, widthFactor {widthFactor?.ToString() ?? "null"}.");
    }

    /// <summary>The vertical factor, as given.</summary>
    public FactorRange HeightFactor { get; }

    /// <summary>The horizontal factor, as given, or null.</summary>
    public FactorRange? WidthFactor { get; }

    private protected override double[] DrawTransform(int height, int width)
    {
        double zy = 1 + Uniform(heightRange);
        double zx = widthRange is { } w ? 1 + Uniform(w) : zy;
        return [zx, 0, (width - 1) / 2.0 * (1 - zx), 0, zy, (height - 1) / 2.0 * (1 - zy), 0, 0];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["height_factor"] = HeightFactor.ToJson();
        config["width_factor"] = WidthFactor?.ToJson();
        return config;
    }

    internal static RandomZoom FromConfig(JsonObject c) => new(FactorRange.FromJson(c["height_factor"], 0),
        c["width_factor"] is null ? null : FactorRange.FromJson(c["width_factor"], 0),
        c.GetString("fill_mode", "reflect")!, c.GetString("interpolation", "bilinear")!, SeedStream.Read(c), c.GetDouble("fill_value", 0), name: c.GetString("name"));
}

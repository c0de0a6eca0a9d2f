using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Keras's RandomRotation: in training rotates each image about its center by a random angle, given as a
/// fraction of a full turn (a factor f means [-f, f] x 2π); positive angles turn counter-clockwise.
/// The identity at inference.
/// </summary>
public sealed class RandomRotation : RandomAffineLayer
{
    private readonly (double Lower, double Upper) range;

    /// <summary>Creates the layer; arguments and defaults follow keras.layers.RandomRotation.</summary>
    /// <param name="factor">The angle as a fraction of 2π: f for [-f, f], or (lower, upper), within [-1, 1].</param>
    /// <param name="fillMode">"reflect" (default), "wrap", "constant", "nearest" or "mirror".</param>
    /// <param name="interpolation">"bilinear" (default) or "nearest".</param>
    /// <param name="seed">Seeds the layer's own random stream (Keras's seed); null draws from NormLabRandom.</param>
    /// <param name="fillValue">The value outside the image for "constant".</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">Layer name (Keras <c>name</c>); default null gives a unique one from the class name in snake_case, numbered from the second layer of that class on (e.g. "re_lu", "re_lu_1").</param>
    public RandomRotation(FactorRange factor, string fillMode = "reflect", string interpolation = "bilinear",
        int? seed = null, double fillValue = 0, int[]? inputShape = null, string? name = null) : base(fillMode, interpolation, seed, fillValue, inputShape, name)
    {
        Factor = factor;
        range = factor.Symmetric(Describe(), "factor");
    }

    /// <summary>The factor, as given.</summary>
    public FactorRange Factor { get; }

    private protected override double[] DrawTransform(int height, int width)
    {
        double angle = Uniform(range) * 2 * Math.PI, cos = Math.Cos(angle), sin = Math.Sin(angle);
        // Keras's rotation about the center (w - 1) / 2, (h - 1) / 2.
        double xOffset = ((width - 1) - (cos * (width - 1) - sin * (height - 1))) / 2;
        double yOffset = ((height - 1) - (sin * (width - 1) + cos * (height - 1))) / 2;
        return [cos, -sin, xOffset, sin, cos, yOffset, 0, 0];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["factor"] = Factor.ToJson();
        return config;
    }

    internal static RandomRotation FromConfig(JsonObject c) => new(FactorRange.FromJson(c["factor"], 0),
        c.GetString("fill_mode", "reflect")!, c.GetString("interpolation", "bilinear")!, SeedStream.Read(c), c.GetDouble("fill_value", 0), name: c.GetString("name"));
}

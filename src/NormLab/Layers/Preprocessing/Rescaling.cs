using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>Keras's Rescaling: <c>x * scale + offset</c>, e.g. <c>new Rescaling(1.0 / 255)</c> for pixels in [0, 1].</summary>
public sealed class Rescaling : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="scale">Factor every input value is multiplied by, e.g. 1/255 to map bytes to [0, 1].</param>
    /// <param name="offset">The value added after scaling (default 0).</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">Layer name (Keras <c>name</c>); default null gives a unique one from the class name in snake_case, numbered from the second layer of that class on (e.g. "re_lu", "re_lu_1").</param>
    /// <exception cref="ArgumentException">When <paramref name="scale"/> or <paramref name="offset"/> is not finite.</exception>
    public Rescaling(double scale, double offset = 0, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        if (!double.IsFinite(scale) || !double.IsFinite(offset))
            throw new ArgumentException($"{Describe()}: scale and offset must be finite, received scale {scale}, offset {offset}.");
        (Scale, Offset) = (scale, offset);
    }

    /// <summary>The factor.</summary>
    public double Scale { get; }

    /// <summary>The value added after scaling.</summary>
    public double Offset { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Ops.Affine(x, Scale, Offset);

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["scale"] = Scale;
        config["offset"] = Offset;
        return config;
    }

    internal static Rescaling FromConfig(JsonObject c) => new(c.GetDouble("scale", 1), c.GetDouble("offset", 0), name: c.GetString("name"));
}

using System.Text.Json.Nodes;

namespace NormLab.Layers;

/// <summary>
/// The base of the normalization layers that divide by a standard deviation, a root mean square or a norm: the
/// <c>epsilon</c> that keeps the divisor away from zero, checked alike in every layer (positive and finite, the
/// message naming the layer), and its config key. <see cref="AffineNormalizationLayer"/> adds gamma and beta.
/// </summary>
public abstract class NormalizationLayer : Layer
{
    private protected NormalizationLayer(double epsilon, bool trainable, int[]? inputShape, string? name)
        : base(name, inputShape)
    {
        NormChecks.Epsilon(Describe(), epsilon);
        Epsilon = epsilon;
        Trainable = trainable;
    }

    /// <summary>What keeps the divisor away from zero: added to the variance (the mean square, in the RMS-style
    /// layers) inside the square root; in <see cref="ScaleNorm"/>, the floor of the norm.</summary>
    public double Epsilon { get; }

    /// <summary><paramref name="momentum"/> once checked to be in [0, 1] (Keras's range: the weight of the old
    /// value in the moving statistics), for the layers that keep them.</summary>
    private protected double CheckedMomentum(double momentum)
    {
        NormChecks.Momentum(Describe(), momentum);
        return momentum;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["epsilon"] = Epsilon;
        return config;
    }
}

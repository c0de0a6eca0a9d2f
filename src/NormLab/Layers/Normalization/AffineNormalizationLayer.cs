using System.Text.Json.Nodes;

namespace NormLab.Layers;

/// <summary>
/// A normalization layer with Keras's <c>center</c> and <c>scale</c>: a learned offset beta and scale gamma over
/// the normalized features, their initializers, regularizers and constraints, and their config keys.
/// </summary>
public abstract class AffineNormalizationLayer : NormalizationLayer
{
    private readonly GammaAndBeta affine;

    private protected AffineNormalizationLayer(double epsilon, bool center, bool scale, GammaAndBeta affine,
        bool trainable, int[]? inputShape, string? name)
        : base(epsilon, trainable, inputShape, name)
    {
        Center = center;
        Scale = scale;
        this.affine = affine;
    }

    /// <summary>Whether beta exists (and is added).</summary>
    public bool Center { get; }
    /// <summary>Whether gamma exists (and multiplies).</summary>
    public bool Scale { get; }
    /// <summary>gamma (null when absent or before build).</summary>
    public Tensor? Gamma { get; private set; }
    /// <summary>beta (null when absent or before build).</summary>
    public Tensor? Beta { get; private set; }

    /// <summary>Creates gamma (when <see cref="Scale"/> or <paramref name="gammaAnyway"/>) and beta (when
    /// <see cref="Center"/> and not <paramref name="noBeta"/>) of <paramref name="shape"/>, in that order.</summary>
    private protected void AddGammaAndBeta(int[] shape, bool gammaAnyway = false, bool noBeta = false)
    {
        if (Scale || gammaAnyway) Gamma = AddWeight(affine.Gamma, shape);
        if (Center && !noBeta) Beta = AddWeight(affine.Beta, shape);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["center"] = Center;
        config["scale"] = Scale;
        affine.WriteTo(config);
        return config;
    }
}

using System.Text.Json.Nodes;
using NormLab.Constraints;
using NormLab.Initializers;
using NormLab.Regularizers;

namespace NormLab.Layers;

/// <summary>The settings of a normalization layer's gamma and beta (shared by BatchNormalization,
/// LayerNormalization and GroupNormalization, as <see cref="KernelAndBias"/> is by Dense and Conv2D).</summary>
internal sealed record GammaAndBeta(WeightSettings Beta, WeightSettings Gamma)
{
    /// <summary>Keras's defaults where an argument is null: zeros beta, ones gamma.</summary>
    internal static GammaAndBeta WithDefaults(Initializer? betaInitializer, Initializer? gammaInitializer,
        Regularizer? betaRegularizer, Regularizer? gammaRegularizer, Constraint? betaConstraint, Constraint? gammaConstraint) =>
        new(new("beta", betaInitializer ?? "zeros", betaRegularizer, betaConstraint),
            new("gamma", gammaInitializer ?? "ones", gammaRegularizer, gammaConstraint));

    internal void WriteTo(JsonObject config) => WeightSettings.WriteTo(config, Beta, Gamma);

    internal static GammaAndBeta Read(JsonObject c) =>
        new(WeightSettings.Read(c, "beta", "zeros"), WeightSettings.Read(c, "gamma", "ones"));
}

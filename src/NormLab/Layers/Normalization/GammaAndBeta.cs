using System.Text.Json.Nodes;
using NormLab.Constraints;
using NormLab.Initializers;
using NormLab.Regularizers;

namespace NormLab.Layers;

/// <summary>How a normalization layer's gamma and beta are initialized, regularized and constrained
/// (shared by BatchNormalization, LayerNormalization and GroupNormalization, as <see cref="KernelAndBias"/> is by Dense and Conv2D).</summary>
internal sealed record GammaAndBeta(Initializer BetaInitializer, Initializer GammaInitializer,
    Regularizer? BetaRegularizer, Regularizer? GammaRegularizer, Constraint? BetaConstraint, Constraint? GammaConstraint)
{
    /// <summary>Keras's defaults where an argument is null: zeros beta, ones gamma.</summary>
    internal static GammaAndBeta WithDefaults(Initializer? betaInitializer, Initializer? gammaInitializer,
        Regularizer? betaRegularizer, Regularizer? gammaRegularizer, Constraint? betaConstraint, Constraint? gammaConstraint) =>
        new(betaInitializer ?? "zeros", gammaInitializer ?? "ones", betaRegularizer, gammaRegularizer, betaConstraint, gammaConstraint);

    internal void WriteTo(JsonObject config)
    {
        config["beta_initializer"] = BetaInitializer.GetConfig();
        config["gamma_initializer"] = GammaInitializer.GetConfig();
        config["beta_regularizer"] = BetaRegularizer?.GetConfig();
        config["gamma_regularizer"] = GammaRegularizer?.GetConfig();
        config["beta_constraint"] = BetaConstraint?.GetConfig();
        config["gamma_constraint"] = GammaConstraint?.GetConfig();
    }

    internal static GammaAndBeta Read(JsonObject c) => WithDefaults(
        BatchNormalization.OptInit(c["beta_initializer"]), BatchNormalization.OptInit(c["gamma_initializer"]),
        c["beta_regularizer"] is null ? null : Regularizer.FromConfig(c["beta_regularizer"]),
        c["gamma_regularizer"] is null ? null : Regularizer.FromConfig(c["gamma_regularizer"]),
        c["beta_constraint"] is null ? null : Constraint.FromConfig(c["beta_constraint"]),
        c["gamma_constraint"] is null ? null : Constraint.FromConfig(c["gamma_constraint"]));
}

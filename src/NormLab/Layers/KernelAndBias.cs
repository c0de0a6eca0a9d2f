using System.Text.Json.Nodes;
using NormLab.Constraints;
using NormLab.Initializers;
using NormLab.Regularizers;

namespace NormLab.Layers;

/// <summary>How a layer's kernel and bias are initialized, regularized and constrained (shared by Dense and Conv2D).</summary>
internal sealed record KernelAndBias(Initializer KernelInitializer, Initializer BiasInitializer,
    Regularizer? KernelRegularizer, Regularizer? BiasRegularizer, Constraint? KernelConstraint, Constraint? BiasConstraint)
{
    /// <summary>Keras's defaults where an argument is null: glorot_uniform kernel, zeros bias.</summary>
    internal static KernelAndBias WithDefaults(Initializer? kernelInitializer, Initializer? biasInitializer,
        Regularizer? kernelRegularizer, Regularizer? biasRegularizer, Constraint? kernelConstraint, Constraint? biasConstraint) =>
        new(kernelInitializer ?? "glorot_uniform", biasInitializer ?? "zeros", kernelRegularizer, biasRegularizer, kernelConstraint, biasConstraint);

    internal void WriteTo(JsonObject config)
    {
        config["kernel_initializer"] = KernelInitializer.GetConfig();
        config["bias_initializer"] = BiasInitializer.GetConfig();
        config["kernel_regularizer"] = KernelRegularizer?.GetConfig();
        config["bias_regularizer"] = BiasRegularizer?.GetConfig();
        config["kernel_constraint"] = KernelConstraint?.GetConfig();
        config["bias_constraint"] = BiasConstraint?.GetConfig();
    }

    internal static KernelAndBias Read(JsonObject c) => new(
        Initializer.FromConfig(c["kernel_initializer"]), Initializer.FromConfig(c["bias_initializer"]),
        c["kernel_regularizer"] is null ? null : Regularizer.FromConfig(c["kernel_regularizer"]),
        c["bias_regularizer"] is null ? null : Regularizer.FromConfig(c["bias_regularizer"]),
        c["kernel_constraint"] is null ? null : Constraint.FromConfig(c["kernel_constraint"]),
        c["bias_constraint"] is null ? null : Constraint.FromConfig(c["bias_constraint"]));
}

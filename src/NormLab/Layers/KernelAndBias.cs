using System.Text.Json.Nodes;
using NormLab.Constraints;
using NormLab.Initializers;
using NormLab.Regularizers;

namespace NormLab.Layers;

/// <summary>The settings of a layer's kernel and bias (shared by Dense and Conv2D).</summary>
internal sealed record KernelAndBias(WeightSettings Kernel, WeightSettings Bias)
{
    /// <summary>Keras's defaults where an argument is null: glorot_uniform kernel, zeros bias.</summary>
    internal static KernelAndBias WithDefaults(Initializer? kernelInitializer, Initializer? biasInitializer,
        Regularizer? kernelRegularizer, Regularizer? biasRegularizer, Constraint? kernelConstraint, Constraint? biasConstraint) =>
        new(new("kernel", kernelInitializer ?? "glorot_uniform", kernelRegularizer, kernelConstraint),
            new("bias", biasInitializer ?? "zeros", biasRegularizer, biasConstraint));

    internal void WriteTo(JsonObject config) => WeightSettings.WriteTo(config, Kernel, Bias);

    /// <summary>The settings of a saved config; Keras's defaults where a key is missing.</summary>
    internal static KernelAndBias Read(JsonObject c) =>
        new(WeightSettings.Read(c, "kernel", "glorot_uniform"), WeightSettings.Read(c, "bias", "zeros"));
}

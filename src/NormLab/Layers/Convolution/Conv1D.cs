using System.Text.Json.Nodes;
using NormLab.Activations;
using NormLab.Constraints;
using NormLab.Initializers;
using NormLab.Regularizers;

namespace NormLab.Layers;

/// <summary>
/// A 1-D convolution over (batch, steps, channels). Weights: kernel (kernelSize, in / groups, filters), bias (filters).
/// Padding "valid", "same" or "causal" (output t sees inputs up to t only). Runs as a 2-D convolution of height 1.
/// </summary>
/// <example><code>new Conv1D(64, 3, padding: "causal", activation: "relu", inputShape: [128, 16])</code></example>
public sealed class Conv1D : BaseConv
{
    /// <summary>Creates the layer; arguments and defaults follow keras.layers.Conv1D (channels_last only).</summary>
    /// <param name="filters">The number of output channels.</param>
    /// <param name="kernelSize">The kernel length.</param>
    /// <param name="strides">The step between windows (default 1).</param>
    /// <param name="padding">"valid" (default), "same" or "causal".</param>
    /// <param name="dilationRate">The spacing between kernel taps (default 1).</param>
    /// <param name="groups">Channel groups (default 1); must divide the input channels and the filters.</param>
    /// <param name="activation">The activation (default linear).</param>
    /// <param name="useBias">Whether to add a bias (default true).</param>
    /// <param name="kernelInitializer">Default glorot_uniform.</param>
    /// <param name="biasInitializer">Default zeros.</param>
    /// <param name="kernelRegularizer">Optional.</param>
    /// <param name="biasRegularizer">Optional.</param>
    /// <param name="kernelConstraint">Optional.</param>
    /// <param name="biasConstraint">Optional.</param>
    /// <param name="inputShape">The shape of one sample (steps, channels), for the first layer of a model.</param>
    /// <param name="name">The layer's name.</param>
    public Conv1D(int filters, int kernelSize, int strides = 1, string padding = "valid", int dilationRate = 1, int groups = 1,
        ActivationFunction? activation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null,
        int[]? inputShape = null, string? name = null)
        : base(1, filters, Along(kernelSize), Along(strides), padding, Along(dilationRate), groups, activation, useBias,
            kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer, kernelConstraint, biasConstraint, inputShape, name, causalAllowed: true)
    {
    }

    internal static Conv1D FromConfig(JsonObject c)
    {
        var a = ReadConfig(c, 1);
        return new(a.Filters, a.Kernel.Width, a.Strides.Width, a.Padding, a.Dilation.Width, a.Groups, a.Activation, a.UseBias,
            a.Settings.Kernel.Initializer, a.Settings.Bias.Initializer, a.Settings.Kernel.Regularizer, a.Settings.Bias.Regularizer,
            a.Settings.Kernel.Constraint, a.Settings.Bias.Constraint, name: a.Name);
    }
}

using System.Text.Json.Nodes;
using NormLab.Activations;
using NormLab.Constraints;
using NormLab.Initializers;
using NormLab.Regularizers;

namespace NormLab.Layers;

/// <summary>
/// A 2-D convolution over NHWC input (channels last, as Keras). Weights: kernel (kh, kw, in / groups, filters), bias (filters).
/// Padding "valid" or "same" with TensorFlow's rule (the odd extra row/column goes to the bottom/right).
/// </summary>
/// <example><code>new Conv2D(32, (3, 3), padding: "same", activation: "relu", inputShape: [28, 28, 1])</code></example>
public sealed class Conv2D : BaseConv
{
    /// <summary>Creates the layer; arguments and defaults follow keras.layers.Conv2D (channels_last only).</summary>
    /// <param name="filters">The number of output channels.</param>
    /// <param name="kernelSize">The kernel's (height, width), or one size for both.</param>
    /// <param name="strides">The step between windows (default 1).</param>
    /// <param name="padding">"valid" (default) or "same".</param>
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
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">The layer's name.</param>
    public Conv2D(int filters, Size2 kernelSize, Size2? strides = null, string padding = "valid", Size2? dilationRate = null,
        ActivationFunction? activation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null,
        int[]? inputShape = null, string? name = null, int groups = 1)
        : base(2, filters, kernelSize, strides ?? 1, padding, dilationRate ?? 1, groups, activation, useBias,
            kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer, kernelConstraint, biasConstraint, inputShape, name)
    {
    }

    internal static Conv2D FromConfig(JsonObject c)
    {
        var a = ReadConfig(c, 2);
        return new(a.Filters, a.Kernel, a.Strides, a.Padding, a.Dilation, a.Activation, a.UseBias,
            a.Settings.Kernel.Initializer, a.Settings.Bias.Initializer, a.Settings.Kernel.Regularizer, a.Settings.Bias.Regularizer,
            a.Settings.Kernel.Constraint, a.Settings.Bias.Constraint, name: a.Name, groups: a.Groups);
    }
}

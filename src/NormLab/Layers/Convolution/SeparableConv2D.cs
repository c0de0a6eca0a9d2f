using System.Text.Json.Nodes;
using NormLab.Activations;
using NormLab.Constraints;
using NormLab.Initializers;
using NormLab.Regularizers;

namespace NormLab.Layers;

/// <summary>
/// A depthwise-separable 2-D convolution over NHWC input (keras.layers.SeparableConv2D).
/// Weights: depthwise_kernel (kh, kw, in, depthMultiplier), pointwise_kernel (1, 1, in·depthMultiplier, filters), bias (filters).
/// </summary>
/// <example><code>new SeparableConv2D(64, 3, padding: "same", activation: "relu")</code></example>
public sealed class SeparableConv2D : BaseSeparableConv
{
    /// <summary>Creates the layer; arguments and defaults follow keras.layers.SeparableConv2D (channels_last only).</summary>
    /// <param name="filters">The number of output channels.</param>
    /// <param name="kernelSize">The kernel's (height, width), or one size for both.</param>
    /// <param name="strides">The step between windows (default 1).</param>
    /// <param name="padding">"valid" (default) or "same".</param>
    /// <param name="depthMultiplier">Depthwise filters per input channel (default 1).</param>
    /// <param name="dilationRate">The spacing between kernel taps (default 1).</param>
    /// <param name="activation">The activation (default linear).</param>
    /// <param name="useBias">Whether to add a bias (default true).</param>
    /// <param name="depthwiseInitializer">Default glorot_uniform.</param>
    /// <param name="pointwiseInitializer">Default glorot_uniform.</param>
    /// <param name="biasInitializer">Default zeros.</param>
    /// <param name="depthwiseRegularizer">Optional.</param>
    /// <param name="pointwiseRegularizer">Optional.</param>
    /// <param name="biasRegularizer">Optional.</param>
    /// <param name="depthwiseConstraint">Optional.</param>
    /// <param name="pointwiseConstraint">Optional.</param>
    /// <param name="biasConstraint">Optional.</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">The layer's name.</param>
    public SeparableConv2D(int filters, Size2 kernelSize, Size2? strides = null, string padding = "valid", int depthMultiplier = 1, Size2? dilationRate = null,
        ActivationFunction? activation = null, bool useBias = true,
        Initializer? depthwiseInitializer = null, Initializer? pointwiseInitializer = null, Initializer? biasInitializer = null,
        Regularizer? depthwiseRegularizer = null, Regularizer? pointwiseRegularizer = null, Regularizer? biasRegularizer = null,
        Constraint? depthwiseConstraint = null, Constraint? pointwiseConstraint = null, Constraint? biasConstraint = null,
        int[]? inputShape = null, string? name = null)
        : base(2, filters, kernelSize, strides ?? 1, padding, depthMultiplier, dilationRate ?? 1, activation, useBias,
            depthwiseInitializer, pointwiseInitializer, biasInitializer, depthwiseRegularizer, pointwiseRegularizer, biasRegularizer,
            depthwiseConstraint, pointwiseConstraint, biasConstraint, inputShape, name)
    {
    }

    internal static SeparableConv2D FromConfig(JsonObject c)
    {
        var a = ReadConfig(c, 2);
        return new(a.Filters, a.Kernel, a.Strides, a.Padding, a.DepthMultiplier, a.Dilation, a.Activation, a.UseBias,
            a.Depthwise.Initializer, a.Pointwise.Initializer, a.Bias.Initializer, a.Depthwise.Regularizer, a.Pointwise.Regularizer, a.Bias.Regularizer,
            a.Depthwise.Constraint, a.Pointwise.Constraint, a.Bias.Constraint, name: a.Name);
    }
}

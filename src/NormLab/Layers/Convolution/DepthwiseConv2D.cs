using System.Text.Json.Nodes;
using NormLab.Activations;
using NormLab.Constraints;
using NormLab.Initializers;
using NormLab.Regularizers;

namespace NormLab.Layers;

/// <summary>
/// A depthwise 2-D convolution over NHWC input (keras.layers.DepthwiseConv2D): every channel filtered on its own.
/// Weights: depthwise_kernel (kh, kw, in, depthMultiplier), bias (in·depthMultiplier).
/// </summary>
/// <example><code>new DepthwiseConv2D(3, padding: "same", activation: "relu")</code></example>
public sealed class DepthwiseConv2D : BaseDepthwiseConv
{
    /// <summary>Creates the layer; arguments and defaults follow keras.layers.DepthwiseConv2D (channels_last only).</summary>
    /// <param name="kernelSize">The kernel's (height, width), or one size for both.</param>
    /// <param name="strides">The step between windows (default 1).</param>
    /// <param name="padding">"valid" (default) or "same".</param>
    /// <param name="depthMultiplier">Filters per input channel (default 1).</param>
    /// <param name="dilationRate">The spacing between kernel taps (default 1).</param>
    /// <param name="activation">The activation (default linear).</param>
    /// <param name="useBias">Whether to add a bias (default true).</param>
    /// <param name="depthwiseInitializer">Default glorot_uniform.</param>
    /// <param name="biasInitializer">Default zeros.</param>
    /// <param name="depthwiseRegularizer">Optional.</param>
    /// <param name="biasRegularizer">Optional.</param>
    /// <param name="depthwiseConstraint">Optional.</param>
    /// <param name="biasConstraint">Optional.</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">The layer's name.</param>
    public DepthwiseConv2D(Size2 kernelSize, Size2? strides = null, string padding = "valid", int depthMultiplier = 1, Size2? dilationRate = null,
        ActivationFunction? activation = null, bool useBias = true,
        Initializer? depthwiseInitializer = null, Initializer? biasInitializer = null,
        Regularizer? depthwiseRegularizer = null, Regularizer? biasRegularizer = null,
        Constraint? depthwiseConstraint = null, Constraint? biasConstraint = null,
        int[]? inputShape = null, string? name = null)
        : base(2, kernelSize, strides ?? 1, padding, depthMultiplier, dilationRate ?? 1, activation, useBias,
            depthwiseInitializer, biasInitializer, depthwiseRegularizer, biasRegularizer, depthwiseConstraint, biasConstraint, inputShape, name)
    {
    }

    internal static DepthwiseConv2D FromConfig(JsonObject c)
    {
        var a = ReadConfig(c, 2);
        return new(a.Kernel, a.Strides, a.Padding, a.DepthMultiplier, a.Dilation, a.Activation, a.UseBias,
            a.Depthwise.Initializer, a.Bias.Initializer, a.Depthwise.Regularizer, a.Bias.Regularizer, a.Depthwise.Constraint, a.Bias.Constraint,
            name: a.Name);
    }
}

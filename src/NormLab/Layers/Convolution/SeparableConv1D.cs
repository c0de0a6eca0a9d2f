using System.Text.Json.Nodes;
using NormLab.Activations;
using NormLab.Constraints;
using NormLab.Initializers;
using NormLab.Regularizers;

namespace NormLab.Layers;

/// <summary>
/// A depthwise-separable 1-D convolution over (batch, steps, channels) (keras.layers.SeparableConv1D).
/// Weights: depthwise_kernel (kernelSize, in, depthMultiplier), pointwise_kernel (1, in·depthMultiplier, filters), bias (filters).
/// </summary>
/// <example><code>new SeparableConv1D(32, 5, padding: "same")</code></example>
public sealed class SeparableConv1D : BaseSeparableConv
{
    /// <summary>Creates the layer; arguments and defaults follow keras.layers.SeparableConv1D (channels_last only).</summary>
    /// <param name="filters">The number of output channels.</param>
    /// <param name="kernelSize">The kernel length.</param>
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
    /// <param name="inputShape">The shape of one sample (steps, channels), for the first layer of a model.</param>
    /// <param name="name">The layer's name.</param>
    public SeparableConv1D(int filters, int kernelSize, int strides = 1, string padding = "valid", int depthMultiplier = 1, int dilationRate = 1,
        ActivationFunction? activation = null, bool useBias = true,
        Initializer? depthwiseInitializer = null, Initializer? pointwiseInitializer = null, Initializer? biasInitializer = null,
        Regularizer? depthwiseRegularizer = null, Regularizer? pointwiseRegularizer = null, Regularizer? biasRegularizer = null,
        Constraint? depthwiseConstraint = null, Constraint? pointwiseConstraint = null, Constraint? biasConstraint = null,
        int[]? inputShape = null, string? name = null)
        : base(1, filters, Along(kernelSize), Along(strides), padding, depthMultiplier, Along(dilationRate), activation, useBias,
            depthwiseInitializer, pointwiseInitializer, biasInitializer, depthwiseRegularizer, pointwiseRegularizer, biasRegularizer,
            depthwiseConstraint, pointwiseConstraint, biasConstraint, inputShape, name)
    {
    }

    internal static SeparableConv1D FromConfig(JsonObject c)
    {
        var a = ReadConfig(c, 1);
        return new(a.Filters, a.Kernel.Width, a.Strides.Width, a.Padding, a.DepthMultiplier, a.Dilation.Width, a.Activation, a.UseBias,
            a.Depthwise.Initializer, a.Pointwise.Initializer, a.Bias.Initializer, a.Depthwise.Regularizer, a.Pointwise.Regularizer, a.Bias.Regularizer,
            a.Depthwise.Constraint, a.Pointwise.Constraint, a.Bias.Constraint, name: a.Name);
    }
}

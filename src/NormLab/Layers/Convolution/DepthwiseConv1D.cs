using System.Text.Json.Nodes;
using NormLab.Activations;
using NormLab.Constraints;
using NormLab.Initializers;
using NormLab.Regularizers;

namespace NormLab.Layers;

/// <summary>
/// A depthwise 1-D convolution over (batch, steps, channels) (keras.layers.DepthwiseConv1D).
/// Weights: depthwise_kernel (kernelSize, in, depthMultiplier), bias (in·depthMultiplier).
/// </summary>
/// <example><code>new DepthwiseConv1D(5, padding: "same")</code></example>
public sealed class DepthwiseConv1D : BaseDepthwiseConv
{
    /// <summary>Creates the layer; arguments and defaults follow keras.layers.DepthwiseConv1D (channels_last only).</summary>
    /// <param name="kernelSize">The kernel length.</param>
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
    /// <param name="inputShape">The shape of one sample (steps, channels), for the first layer of a model.</param>
    /// <param name="name">The layer's name.</param>
    public DepthwiseConv1D(int kernelSize, int strides = 1, string padding = "valid", int depthMultiplier = 1, int dilationRate = 1,
        ActivationFunction? activation = null, bool useBias = true,
        Initializer? depthwiseInitializer = null, Initializer? biasInitializer = null,
        Regularizer? depthwiseRegularizer = null, Regularizer? biasRegularizer = null,
        Constraint? depthwiseConstraint = null, Constraint? biasConstraint = null,
        int[]? inputShape = null, string? name = null)
        : base(1, Along(kernelSize), Along(strides), padding, depthMultiplier, Along(dilationRate), activation, useBias,
            depthwiseInitializer, biasInitializer, depthwiseRegularizer, biasRegularizer, depthwiseConstraint, biasConstraint, inputShape, name)
    {
    }

    internal static DepthwiseConv1D FromConfig(JsonObject c)
    {
        var a = ReadConfig(c, 1);
        return new(a.Kernel.Width, a.Strides.Width, a.Padding, a.DepthMultiplier, a.Dilation.Width, a.Activation, a.UseBias,
            a.Depthwise.Initializer, a.Bias.Initializer, a.Depthwise.Regularizer, a.Bias.Regularizer, a.Depthwise.Constraint, a.Bias.Constraint,
            name: a.Name);
    }
}

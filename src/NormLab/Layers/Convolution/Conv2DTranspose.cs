using System.Text.Json.Nodes;
using NormLab.Activations;
using NormLab.Constraints;
using NormLab.Initializers;
using NormLab.Regularizers;

namespace NormLab.Layers;

/// <summary>
/// A transposed 2-D convolution over NHWC input (keras.layers.Conv2DTranspose).
/// Weights: kernel (kh, kw, filters, in), bias (filters).
/// </summary>
/// <example><code>new Conv2DTranspose(16, 3, strides: 2, padding: "same") // (b, 14, 14, c) → (b, 28, 28, 16)</code></example>
public sealed class Conv2DTranspose : BaseConvTranspose
{
    /// <summary>Creates the layer; arguments and defaults follow keras.layers.Conv2DTranspose (channels_last only).</summary>
    /// <param name="filters">The number of output channels.</param>
    /// <param name="kernelSize">The kernel's (height, width), or one size for both.</param>
    /// <param name="strides">The upsampling step (default 1).</param>
    /// <param name="padding">"valid" (default) or "same".</param>
    /// <param name="dilationRate">The spacing between kernel taps (default 1).</param>
    /// <param name="outputPadding">Extra output rows and columns, each below its stride (Keras's output_padding); null (default) gives in·stride for "same".</param>
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
    public Conv2DTranspose(int filters, Size2 kernelSize, Size2? strides = null, string padding = "valid", Size2? dilationRate = null,
        Size2? outputPadding = null, ActivationFunction? activation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null,
        int[]? inputShape = null, string? name = null)
        : base(2, filters, kernelSize, strides ?? 1, padding, dilationRate ?? 1, outputPadding, activation, useBias,
            kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer, kernelConstraint, biasConstraint, inputShape, name)
    {
    }

    internal static Conv2DTranspose FromConfig(JsonObject c)
    {
        var a = ReadConfig(c, 2);
        return new(a.Filters, a.Kernel, a.Strides, a.Padding, a.Dilation, a.OutputPadding, a.Activation, a.UseBias,
            a.Settings.Kernel.Initializer, a.Settings.Bias.Initializer, a.Settings.Kernel.Regularizer, a.Settings.Bias.Regularizer,
            a.Settings.Kernel.Constraint, a.Settings.Bias.Constraint, name: a.Name);
    }
}

using System.Text.Json.Nodes;
using NormLab.Activations;
using NormLab.Constraints;
using NormLab.Initializers;
using NormLab.Regularizers;

namespace NormLab.Layers;

/// <summary>
/// A transposed 1-D convolution over (batch, steps, channels) (keras.layers.Conv1DTranspose, outputPadding None).
/// Weights: kernel (kernelSize, filters, in), bias (filters).
/// </summary>
/// <example><code>new Conv1DTranspose(8, 3, strides: 2, padding: "same") // (b, 10, c) → (b, 20, 8)</code></example>
public sealed class Conv1DTranspose : BaseConvTranspose
{
    /// <summary>Creates the layer; arguments and defaults follow keras.layers.Conv1DTranspose (channels_last only).</summary>
    /// <param name="filters">The number of output channels.</param>
    /// <param name="kernelSize">The kernel length.</param>
    /// <param name="strides">The upsampling step (default 1).</param>
    /// <param name="padding">"valid" (default) or "same".</param>
    /// <param name="dilationRate">The spacing between kernel taps (default 1).</param>
    /// <param name="outputPadding">Extra output steps, below the stride (Keras\'s output_padding); null (default) gives in·stride for "same".</param>
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
    public Conv1DTranspose(int filters, int kernelSize, int strides = 1, string padding = "valid", int dilationRate = 1,
        int? outputPadding = null, ActivationFunction? activation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null,
        int[]? inputShape = null, string? name = null)
        : base(1, filters, Along(kernelSize), Along(strides), padding, Along(dilationRate), outputPadding is { } p ? new Size2(0, p) : null, activation, useBias,
            kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer, kernelConstraint, biasConstraint, inputShape, name)
    {
    }

    internal static Conv1DTranspose FromConfig(JsonObject c)
    {
        var a = ReadConfig(c, 1);
        return new(a.Filters, a.Kernel.Width, a.Strides.Width, a.Padding, a.Dilation.Width, a.OutputPadding?.Width, a.Activation, a.UseBias,
            a.Settings.Kernel.Initializer, a.Settings.Bias.Initializer, a.Settings.Kernel.Regularizer, a.Settings.Bias.Regularizer,
            a.Settings.Kernel.Constraint, a.Settings.Bias.Constraint, name: a.Name);
    }
}

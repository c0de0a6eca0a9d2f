using System.Diagnostics;

namespace NormLab.Kernels;

/// <summary>
/// Output size and leading padding of a sliding window along one axis, with TensorFlow/Keras
/// "valid" and "same" semantics; shared by convolution and pooling.
/// </summary>
internal static class WindowPadding
{
    /// <summary>
    /// "valid": out = floor((in - window) / stride) + 1, no padding.
    /// "same": out = ceil(in / stride); pad_total = max((out - 1)·stride + window - in, 0), and
    /// the leading side gets pad_total / 2 (the odd extra goes to the bottom/right, as in TF).
    /// </summary>
    /// <param name="input">Input extent along the axis.</param>
    /// <param name="window">Effective window extent: (k - 1)·dilation + 1 for a dilated kernel.</param>
    /// <param name="stride">Step between windows.</param>
    /// <param name="padding">"valid" or "same" (case-insensitive).</param>
    /// <returns>The output extent and the padding before the first input element.</returns>
    internal static (int Output, int PadBefore) Compute(int input, int window, int stride, string padding)
    {
        Debug.Assert(input >= 0 && window >= 1 && stride >= 1);
        if (string.Equals(padding, "valid", StringComparison.OrdinalIgnoreCase))
            return (input >= window ? (input - window) / stride + 1 : 0, 0);
        if (string.Equals(padding, "same", StringComparison.OrdinalIgnoreCase))
        {
            int output = (input + stride - 1) / stride;
            int padTotal = Math.Max((output - 1) * stride + window - input, 0);
            return (output, padTotal / 2);
        }
        throw new ArgumentException($"Padding must be \"valid\" or \"same\"; received \"{padding}\".", nameof(padding));
    }

    /// <summary>The padding before and after the input along one axis ("valid" or "same"), as ONNX's pads want it.</summary>
    /// <param name="input">Input extent along the axis.</param>
    /// <param name="window">Effective window extent: (k - 1)·dilation + 1.</param>
    /// <param name="stride">Step between windows.</param>
    /// <param name="padding">"valid" or "same".</param>
    internal static (int Before, int After) Edges(int input, int window, int stride, string padding)
    {
        var (output, before) = Compute(input, window, stride, padding);
        return (before, Math.Max((output - 1) * stride + window - input - before, 0));
    }
}

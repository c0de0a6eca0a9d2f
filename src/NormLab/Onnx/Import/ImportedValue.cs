namespace NormLab.Onnx.Import;

/// <summary>
/// A tensor of the ONNX graph as the NormLab model holds it: the symbolic tensor and whether its
/// channel axis (ONNX's axis 1) was moved last, as NormLab's convolution and norm layers want it.
/// </summary>
internal sealed record ImportedValue(SymbolicTensor Symbol, bool ChannelsLast)
{
    /// <summary>The ONNX rank, batch included.</summary>
    internal int Rank => Symbol.Shape.Length + 1;

    /// <summary>The ONNX shape of one sample (no batch): channels first again where they were moved.</summary>
    internal int[] OnnxShape => ChannelsLast ? [Symbol.Shape[^1], .. Symbol.Shape[..^1]] : Symbol.Shape;

    /// <summary>The NormLab axis (batch included) holding ONNX axis <paramref name="onnxAxis"/>.</summary>
    internal int Axis(int onnxAxis)
    {
        if (onnxAxis < 0) onnxAxis += Rank;
        if (!ChannelsLast || onnxAxis == 0) return onnxAxis;
        return onnxAxis == 1 ? Rank - 1 : onnxAxis - 1;
    }
}

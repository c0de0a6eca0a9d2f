namespace NormLab.Onnx.Import;

/// <summary>
/// A tensor of the ONNX graph as the NormLab model holds it: the symbolic tensor, whether its channel
/// axis (ONNX's axis 1) was moved last, as NormLab's convolution and norm layers want it, and which ONNX
/// axis is NormLab's batch axis: time-major sequences (ONNX's LSTM and GRU take (time, batch, features))
/// are held batch first, the ONNX batch axis moved to the front and the others in order.
/// </summary>
internal sealed record ImportedValue(SymbolicTensor Symbol, bool ChannelsLast)
{
    /// <summary>The ONNX axis that NormLab holds as its batch axis (0 unless a Transpose moved it).</summary>
    internal int BatchAxis { get; init; }

    /// <summary>The ONNX rank, batch included.</summary>
    internal int Rank => Symbol.Shape.Length + 1;

    /// <summary>The NormLab axis (batch included) holding ONNX axis <paramref name="onnxAxis"/>.</summary>
    internal int Axis(int onnxAxis)
    {
        if (onnxAxis < 0) onnxAxis += Rank;
        if (BatchAxis != 0) return onnxAxis == BatchAxis ? 0 : onnxAxis < BatchAxis ? onnxAxis + 1 : onnxAxis;
        if (!ChannelsLast || onnxAxis == 0) return onnxAxis;
        return onnxAxis == 1 ? Rank - 1 : onnxAxis - 1;
    }
}

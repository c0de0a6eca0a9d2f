namespace NormLab.Onnx;

/// <summary>
/// A tensor in the graph being written: its ONNX name, its NormLab shape (batch first, -1 where free)
/// and whether it is held channels-first (NCHW) because the last ONNX operator wants that layout.
/// </summary>
/// <param name="Name">The ONNX value name.</param>
/// <param name="Shape">The shape in NormLab's (channels-last) layout; -1 for the free batch dimension.</param>
/// <param name="ChannelsFirst">True when the value is stored transposed, channels right after the batch.</param>
internal sealed record OnnxValue(string Name, int[] Shape, bool ChannelsFirst = false)
{
    /// <summary>The rank.</summary>
    internal int Rank => Shape.Length;

    /// <summary>The permutation from channels-last to channels-first for this rank: (0, r-1, 1, ..., r-2).</summary>
    internal int[] ToChannelsFirst => [0, Rank - 1, .. Enumerable.Range(1, Rank - 2)];

    /// <summary>The permutation back: (0, 2, ..., r-1, 1).</summary>
    internal int[] ToChannelsLast => [0, .. Enumerable.Range(2, Rank - 2), 1];
}

namespace NormLab.Onnx.Import;

/// <summary>
/// A tensor of the ONNX graph as the NormLab model holds it: the symbolic tensor (batch first, as every
/// NormLab tensor) and, for each ONNX axis, the NormLab axes it spans, outer first (axis 0 is the batch).
/// Images after convolutions are held channels last ([0], [3], [1], [2]), time-major sequences batch first
/// ([1], [0], [2]), attention's heads split from the batch ([0, 1], [2], [3] for ONNX's (batch × heads, seq,
/// dim)). ONNX's Transpose and most Reshapes only relabel; data moves where an operator needs another order.
/// </summary>
internal sealed record ImportedValue(SymbolicTensor Symbol, int[][] Axes)
{
    /// <summary>A value held in ONNX's axis order.</summary>
    internal static ImportedValue InOnnxOrder(SymbolicTensor symbol) => new(symbol, Singles(Enumerable.Range(0, symbol.Shape.Length + 1)));

    /// <summary>An (N, C, ...) value held channels last, as (N, ..., C).</summary>
    internal static ImportedValue ChannelsLast(SymbolicTensor symbol) => new(symbol, ChannelsLastAxes(symbol.Shape.Length + 1));

    /// <summary>Where the NormLab axes of a channels-last value of rank <paramref name="rank"/> hold ONNX's axes.</summary>
    internal static int[][] ChannelsLastAxes(int rank) => Singles([0, rank - 1, .. Enumerable.Range(1, rank - 2)]);

    /// <summary>One NormLab axis per ONNX axis: ONNX axis j is NormLab axis <paramref name="axes"/>[j].</summary>
    internal static int[][] Singles(IEnumerable<int> axes) => axes.Select(a => new[] { a }).ToArray();

    /// <summary>The ONNX rank, batch included.</summary>
    internal int Rank => Axes.Length;

    /// <summary>The ONNX axis that holds the batch.</summary>
    internal int BatchAxis => Array.FindIndex(Axes, g => g.Contains(0));

    /// <summary>Whether NormLab holds the value in ONNX's axis order.</summary>
    internal bool IsInOnnxOrder => Axes.Select((g, j) => g.Length == 1 && g[0] == j).All(same => same);

    /// <summary>Whether both values hold their ONNX axes the same way.</summary>
    internal bool SameLayout(ImportedValue other) => Rank == other.Rank && Axes.Zip(other.Axes, (a, b) => a.SequenceEqual(b)).All(same => same);

    /// <summary>The NormLab axis (batch included) holding ONNX axis <paramref name="onnxAxis"/>, or -1 when it spans several.</summary>
    internal int Axis(int onnxAxis)
    {
        if (onnxAxis < 0) onnxAxis += Rank;
        return Axes[onnxAxis].Length == 1 ? Axes[onnxAxis][0] : -1;
    }

    /// <summary>Whether ONNX's last axis is NormLab's last, alone (what Dense and softmax act on).</summary>
    internal bool IsLastAxisLast => Axis(-1) == Symbol.Shape.Length;

    /// <summary>The size of NormLab axis <paramref name="axis"/> (the batch counts as <paramref name="batch"/>).</summary>
    internal int Size(int axis, int batch) => axis == 0 ? batch : Symbol.Shape[axis - 1];

    /// <summary>The ONNX shape, the batch counting as <paramref name="batch"/>.</summary>
    internal int[] OnnxShape(int batch) => Axes.Select(g => g.Aggregate(1, (p, a) => p * Size(a, batch))).ToArray();

    /// <summary>The ONNX shape for messages, as [4, batch×4, 16] (an axis spanning several NormLab axes shows each).</summary>
    internal string OnnxShapeText => $"[{string.Join(", ", Axes.Select(g => string.Join("×", g.Select(a => a == 0 ? "batch" : Symbol.Shape[a - 1].ToString()))))}]";

    /// <summary>
    /// The value after a layer removed the NormLab axes <paramref name="removed"/> (each the whole of an
    /// ONNX axis, which goes too): the other axes renumbered.
    /// </summary>
    internal ImportedValue Without(SymbolicTensor symbol, int[] removed) =>
        new(symbol, Axes.Where(g => !g.Any(removed.Contains)).Select(g => g.Select(a => a - removed.Count(r => r < a)).ToArray()).ToArray());
}

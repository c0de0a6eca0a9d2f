using System.Diagnostics;

namespace NormLab.Kernels;

/// <summary>
/// Shape of one NHWC 2-D pooling: input (Batch, InH, InW, Channels), output (Batch, OutH, OutW, Channels),
/// windows of PoolH×PoolW every StrideH×StrideW, starting PadTop/PadLeft before the input.
/// </summary>
internal readonly record struct Pool2DGeometry(int Batch, int InH, int InW, int Channels, int PoolH, int PoolW,
    int StrideH, int StrideW, int PadTop, int PadLeft, int OutH, int OutW)
{
    /// <summary>Builds the geometry with Keras/TensorFlow "valid" or "same" padding rules (see <see cref="WindowPadding"/>).</summary>
    /// <example><code>var g = Pool2DGeometry.Create(32, 28, 28, 64, 2, 2, 2, 2, "valid"); // OutH = OutW = 14</code></example>
    internal static Pool2DGeometry Create(int batch, int inH, int inW, int channels, int poolH, int poolW,
        int strideH, int strideW, string padding)
    {
        Debug.Assert(batch >= 0 && inH >= 0 && inW >= 0 && channels >= 1);
        Debug.Assert(poolH >= 1 && poolW >= 1 && strideH >= 1 && strideW >= 1);
        var (outH, padTop) = WindowPadding.Compute(inH, poolH, strideH, padding);
        var (outW, padLeft) = WindowPadding.Compute(inW, poolW, strideW, padding);
        return new Pool2DGeometry(batch, inH, inW, channels, poolH, poolW, strideH, strideW, padTop, padLeft, outH, outW);
    }

    /// <summary>Elements of x: Batch·InH·InW·Channels.</summary>
    internal long InputLength => (long)Batch * InH * InW * Channels;

    /// <summary>Elements of y: Batch·OutH·OutW·Channels.</summary>
    internal long OutputLength => (long)Batch * OutH * OutW * Channels;

    /// <summary>The input rows [start, end) under output row <paramref name="oh"/>, clipped to the input.</summary>
    internal (int Start, int End) RowWindow(int oh)
    {
        int start = oh * StrideH - PadTop;
        return (Math.Max(start, 0), Math.Min(start + PoolH, InH));
    }

    /// <summary>The input columns [start, end) under output column <paramref name="ow"/>, clipped to the input.</summary>
    internal (int Start, int End) ColumnWindow(int ow)
    {
        int start = ow * StrideW - PadLeft;
        return (Math.Max(start, 0), Math.Min(start + PoolW, InW));
    }
}

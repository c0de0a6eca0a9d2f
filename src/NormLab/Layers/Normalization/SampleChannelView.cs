namespace NormLab.Layers;

/// <summary>
/// The [N, O, C, I] view of the layers that keep per-(sample, channel) statistics (batch-instance and
/// switchable normalization): N the batch axis, C the feature axis, O and I the axes between and after.
/// </summary>
internal readonly record struct SampleChannelView(int N, int O, int C, int I)
{
    /// <summary>The spatial size O * I: the number of values per (sample, channel).</summary>
    public int Spatial => O * I;

    /// <summary>The canonical feature axis for <paramref name="axis"/>; it may be neither the batch axis nor out of range.</summary>
    internal static int Resolve(string layer, int axis, int[] shape, int minRank)
    {
        int rank = shape.Length;
        if (rank < minRank)
            throw new ArgumentException($"{layer}: expected input of rank >= {minRank} (batch, ..., channels), received shape {Shapes.Format(shape)}.");
        int a = axis < 0 ? axis + rank : axis;
        if (a < 1 || a >= rank)
            throw new ArgumentException($"{layer}: axis {axis} must name a feature axis of input shape {Shapes.Format(shape)} (not the batch axis 0, and within the rank). Received: axis={axis}");
        NormViews.RequireExtent(layer, shape, a);
        return a;
    }

    internal static SampleChannelView Of(ReadOnlySpan<int> dims, int axis) =>
        new(dims[0], NormViews.Prod(dims, 1, axis), dims[axis], NormViews.Prod(dims, axis + 1, dims.Length));
}

namespace NormLab;

/// <summary>Shape arithmetic shared by tensors, ops and layers.</summary>
internal static class Shapes
{
    internal static int SizeOf(ReadOnlySpan<int> shape)
    {
        long size = 1;
        foreach (int d in shape) size *= d;
        if (size > int.MaxValue) throw new ArgumentException($"Shape {Format(shape)} has more than {int.MaxValue} values.");
        return (int)size;
    }

    internal static void Validate(int[] shape, string where)
    {
        ArgumentNullException.ThrowIfNull(shape);
        foreach (int d in shape)
            if (d < 0) throw new ArgumentException($"{where}: dimensions must be >= 0, received shape {Format(shape)}.");
    }

    internal static string Format(ReadOnlySpan<int> shape) => "(" + string.Join(", ", shape.ToArray()) + (shape.Length == 1 ? ",)" : ")");

    /// <summary>Formats a shape whose first (batch) dimension is unknown, as Keras prints it (a free -1 dimension is None too).</summary>
    internal static string FormatBatched(ReadOnlySpan<int> shapeWithoutBatch) =>
        "(None" + string.Concat(shapeWithoutBatch.ToArray().Select(d => d == -1 ? ", None" : ", " + d)) + ")";

    internal static bool Equal(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);

    internal static int NormalizeAxis(int axis, int rank, string where)
    {
        int normalized = axis < 0 ? axis + rank : axis;
        if (normalized < 0 || normalized >= rank)
            throw new ArgumentException($"{where}: axis {axis} is out of range for rank {rank}.");
        return normalized;
    }

    internal static int FlatIndex(ReadOnlySpan<int> shape, int[] indices)
    {
        if (indices.Length != shape.Length)
            throw new ArgumentException($"Tensor index: expected {shape.Length} indices, received {indices.Length}.");
        int flat = 0;
        for (int i = 0; i < shape.Length; i++)
        {
            if ((uint)indices[i] >= (uint)shape[i])
                throw new IndexOutOfRangeException($"Tensor index: index {indices[i]} out of range for axis {i} of size {shape[i]}.");
            flat = flat * shape[i] + indices[i];
        }
        return flat;
    }

    /// <summary>The shape two operands broadcast to (NumPy rules, right-aligned).</summary>
    internal static int[] Broadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b, string where)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"{where}: shapes {Format(a)} and {Format(b)} cannot be broadcast together.");
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    /// <summary>Row-major strides of <paramref name="shape"/>.</summary>
    internal static int[] Strides(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        int stride = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { strides[i] = stride; stride *= shape[i]; }
        return strides;
    }

    /// <summary>The product of the dimensions before <paramref name="axis"/>, at it, and after it.</summary>
    internal static (int outer, int size, int inner) Split(ReadOnlySpan<int> shape, int axis)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= shape[i];
        for (int i = axis + 1; i < shape.Length; i++) inner *= shape[i];
        return (outer, shape[axis], inner);
    }
}

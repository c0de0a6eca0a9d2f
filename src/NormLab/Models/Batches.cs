namespace NormLab;

/// <summary>Slicing datasets into batches along the first axis.</summary>
internal static class Batches
{
    /// <summary>Rows [start, start + count) of x.</summary>
    internal static Tensor Rows(Tensor x, int start, int count)
    {
        int width = x.Size / x.Dims[0];
        var shape = x.Shape;
        shape[0] = count;
        // Pooled: the loops dispose their batches, so the next batch reuses this memory.
        var rows = Tensor.Uninitialized(shape);
        Array.Copy(x.Data, start * width, rows.Data, 0, count * width);
        return rows;
    }

    /// <summary>Rows [start, start + count) of each array.</summary>
    internal static Tensor[] Rows(IReadOnlyList<Tensor> arrays, int start, int count) => arrays.Select(x => Rows(x, start, count)).ToArray();

    /// <summary>The rows order[start..start + count) of x.</summary>
    internal static Tensor Gather(Tensor x, int[] order, int start, int count)
    {
        int width = x.Size / x.Dims[0];
        var shape = x.Shape;
        shape[0] = count;
        var rows = Tensor.Uninitialized(shape);
        for (int i = 0; i < count; i++) Array.Copy(x.Data, order[start + i] * width, rows.Data, i * width, width);
        return rows;
    }
}

namespace NormLab;

public static partial class Ops
{
    /// <summary>Copies <paramref name="x"/> into <paramref name="shape"/> by NumPy broadcasting (not differentiable; used inside ops).</summary>
    internal static float[] BroadcastData(Tensor x, int[] shape)
    {
        if (Shapes.Equal(x.Dims, shape)) return x.Data;
        var result = new float[Shapes.SizeOf(shape)];
        if (x.Size == 1) { Array.Fill(result, x.Data[0]); return result; }
        int offset = shape.Length - x.Rank;
        var sourceStrides = new int[shape.Length];
        var strides = Shapes.Strides(x.Dims);
        for (int i = 0; i < x.Rank; i++) sourceStrides[i + offset] = x.Dims[i] == 1 ? 0 : strides[i];
        CopyBroadcast(x.Data, 0, sourceStrides, result, 0, shape, 0);
        return result;
    }

    private static int CopyBroadcast(float[] source, int sourceIndex, int[] sourceStrides, float[] target, int targetIndex, int[] shape, int axis)
    {
        if (axis == shape.Length - 1)
        {
            int stride = sourceStrides[axis];
            if (stride == 1) { Array.Copy(source, sourceIndex, target, targetIndex, shape[axis]); return targetIndex + shape[axis]; }
            for (int i = 0; i < shape[axis]; i++) target[targetIndex++] = source[sourceIndex + i * stride];
            return targetIndex;
        }
        for (int i = 0; i < shape[axis]; i++)
            targetIndex = CopyBroadcast(source, sourceIndex + i * sourceStrides[axis], sourceStrides, target, targetIndex, shape, axis + 1);
        return targetIndex;
    }

    /// <summary>Sums a broadcast gradient back down to <paramref name="shape"/> (the adjoint of broadcasting).</summary>
    internal static Tensor ReduceTo(Tensor grad, int[] shape)
    {
        if (Shapes.Equal(grad.Dims, shape)) return grad;
        int offset = grad.Rank - shape.Length;
        var axes = new List<int>();
        for (int i = 0; i < grad.Rank; i++)
            if (i < offset || shape[i - offset] == 1) axes.Add(i);
        var reduced = SumData(grad, axes.ToArray());
        return new Tensor(reduced, shape);
    }
}

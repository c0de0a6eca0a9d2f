using System.Numerics.Tensors;
using NormLab.Autograd;

namespace NormLab;

public static partial class Ops
{
    /// <summary>The sum of all values, as a scalar tensor.</summary>
    /// <param name="x">Input of any shape.</param>
    public static Tensor Sum(Tensor x)
    {
        var output = new Tensor([TensorPrimitives.Sum(x.Data)], []);
        return Tape.Record(output, [x], g => [Tensor.Full(x.Shape, g.Data[0])]);
    }

    /// <summary>The sum over <paramref name="axes"/> (negative axes count from the end).</summary>
    /// <param name="x">Input tensor.</param>
    /// <param name="axes">Axes to sum over, each in [-rank, rank) (Keras <c>axis</c>).</param>
    /// <param name="keepDims">Keep the reduced axes as size 1 (Keras <c>keepdims</c>); default false.</param>
    public static Tensor Sum(Tensor x, int[] axes, bool keepDims = false)
    {
        var normalized = NormalizeAxes(axes, x.Rank, "Sum");
        var keptShape = KeptShape(x.Dims, normalized);
        var output = new Tensor(SumData(x, normalized), keepDims ? keptShape : DroppedShape(x.Dims, normalized));
        // Summing only over axes of size 1 (or none): the gradient is g itself, shared as a view, since
        // BroadcastData would hand back g's own array and a second owner of it could see it recycled.
        return Tape.Record(output, [x], g => [Shapes.Equal(keptShape, x.Dims) ? g.View(x.Shape) : new Tensor(BroadcastData(g.View(keptShape), x.Shape), x.Shape)]);
    }

    /// <summary>The mean of all values, as a scalar tensor.</summary>
    /// <param name="x">Input of any shape; an empty tensor gives 0.</param>
    public static Tensor Mean(Tensor x) => Affine(Sum(x), 1.0 / Math.Max(1, x.Size));

    /// <summary>The mean over <paramref name="axes"/>.</summary>
    /// <param name="x">Input tensor.</param>
    /// <param name="axes">Axes to average over, each in [-rank, rank) (Keras <c>axis</c>).</param>
    /// <param name="keepDims">Keep the reduced axes as size 1 (Keras <c>keepdims</c>); default false.</param>
    public static Tensor Mean(Tensor x, int[] axes, bool keepDims = false)
    {
        var normalized = NormalizeAxes(axes, x.Rank, "Mean");
        int count = 1;
        foreach (int a in normalized) count *= x.Dims[a];
        return Affine(Sum(x, normalized, keepDims), 1.0 / Math.Max(1, count));
    }

    /// <summary>Sums over sorted, normalized axes, keeping them as size 1 (row-major layout).</summary>
    internal static float[] SumData(Tensor x, int[] axes)
    {
        float[] data = x.Data;
        int[] shape = x.Shape;
        foreach (int axis in axes)
        {
            var (outer, size, inner) = Shapes.Split(shape, axis);
            var reduced = new float[outer * inner];
            for (int o = 0; o < outer; o++)
            {
                var target = reduced.AsSpan(o * inner, inner);
                for (int s = 0; s < size; s++)
                    TensorPrimitives.Add(target, data.AsSpan((o * size + s) * inner, inner), target);
            }
            data = reduced;
            shape[axis] = 1;
        }
        return data;
    }

    internal static int[] NormalizeAxes(int[] axes, int rank, string where)
    {
        var normalized = axes.Select(a => Shapes.NormalizeAxis(a, rank, where)).Distinct().OrderBy(a => a).ToArray();
        if (normalized.Length != axes.Length) throw new ArgumentException($"{where}: repeated axis in [{string.Join(", ", axes)}].");
        return normalized;
    }

    private static int[] KeptShape(ReadOnlySpan<int> shape, int[] axes)
    {
        var kept = shape.ToArray();
        foreach (int a in axes) kept[a] = 1;
        return kept;
    }

    private static int[] DroppedShape(ReadOnlySpan<int> shape, int[] axes)
    {
        var dims = shape.ToArray();
        return Enumerable.Range(0, dims.Length).Where(i => !axes.Contains(i)).Select(i => dims[i]).ToArray();
    }
}

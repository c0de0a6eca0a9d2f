using NormLab.Autograd;

namespace NormLab;

public static partial class Ops
{
    /// <summary>Repeats every element <paramref name="times"/> times along <paramref name="axis"/> (NumPy's repeat):
    /// [a, b] → [a, a, b, b]. The gradient sums each group of copies.</summary>
    /// <param name="x">Input tensor.</param>
    /// <param name="axis">Axis whose entries are repeated, in [-rank, rank).</param>
    /// <param name="times">Copies of each entry, at least 1; the axis grows by this factor.</param>
    /// <exception cref="ArgumentException">When <paramref name="axis"/> is out of range or <paramref name="times"/> is below 1.</exception>
    public static Tensor RepeatElements(Tensor x, int axis, int times)
    {
        axis = Shapes.NormalizeAxis(axis, x.Rank, "RepeatElements");
        if (times < 1) throw new ArgumentException($"RepeatElements: times must be >= 1, received {times}.");
        var (outer, size, inner) = Shapes.Split(x.Dims, axis);
        var shape = x.Shape;
        shape[axis] = size * times;
        var output = Tensor.Uninitialized(shape);
        var y = output.Data;
        for (int o = 0; o < outer; o++)
            for (int s = 0; s < size; s++)
            {
                var source = x.Data.AsSpan((o * size + s) * inner, inner);
                for (int t = 0; t < times; t++) source.CopyTo(y.AsSpan(((o * size + s) * times + t) * inner, inner));
            }
        return Tape.Record(output, [x], g =>
        {
            var dx = new float[x.Size];
            for (int o = 0; o < outer; o++)
                for (int s = 0; s < size; s++)
                {
                    var target = dx.AsSpan((o * size + s) * inner, inner);
                    for (int t = 0; t < times; t++)
                        System.Numerics.Tensors.TensorPrimitives.Add(target, g.Data.AsSpan(((o * size + s) * times + t) * inner, inner), target);
                }
            return [new Tensor(dx, x.Shape)];
        });
    }

    /// <summary>
    /// Linear interpolation along <paramref name="axis"/> to <paramref name="size"/> values with half-pixel
    /// centres (source = (i + 0.5)·in/size - 0.5, clamped to the edges): PyTorch's
    /// <c>interpolate(mode="linear", align_corners=False)</c> and TensorFlow 2's bilinear resize, one axis at a time.
    /// </summary>
    /// <param name="x">Input tensor.</param>
    /// <param name="axis">Axis resampled, in [-rank, rank); the other axes are unchanged.</param>
    /// <param name="size">New length of <paramref name="axis"/>, at least 1.</param>
    /// <exception cref="ArgumentException">When <paramref name="axis"/> is out of range or <paramref name="size"/> is below 1.</exception>
    public static Tensor ResizeLinear(Tensor x, int axis, int size)
    {
        axis = Shapes.NormalizeAxis(axis, x.Rank, "ResizeLinear");
        if (size < 1) throw new ArgumentException($"ResizeLinear: size must be >= 1, received {size}.");
        var (outer, length, inner) = Shapes.Split(x.Dims, axis);
        if (length == 0) throw new ArgumentException($"ResizeLinear: cannot interpolate along axis {axis} of size 0 (shape {Shapes.Format(x.Dims)}).");
        var (low, high, weight) = LinearTaps(length, size);
        var shape = x.Shape;
        shape[axis] = size;
        var y = new float[outer * size * inner];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < size; i++)
            {
                int source = o * length * inner, target = (o * size + i) * inner;
                float w = weight[i];
                // Scalar math: y = (1 - w)·x[low] + w·x[high].
                for (int j = 0; j < inner; j++)
                    y[target + j] = (1 - w) * x.Data[source + low[i] * inner + j] + w * x.Data[source + high[i] * inner + j];
            }
        return Tape.Record(new Tensor(y, shape), [x], g =>
        {
            var dx = new float[x.Size];
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < size; i++)
                {
                    int source = o * length * inner, target = (o * size + i) * inner;
                    float w = weight[i];
                    for (int j = 0; j < inner; j++)
                    {
                        dx[source + low[i] * inner + j] += (1 - w) * g.Data[target + j];
                        dx[source + high[i] * inner + j] += w * g.Data[target + j];
                    }
                }
            return [new Tensor(dx, x.Shape)];
        });
    }

    /// <summary>For each output position: the two source positions and the weight of the upper one.</summary>
    private static (int[] Low, int[] High, float[] Weight) LinearTaps(int length, int size)
    {
        int[] low = new int[size], high = new int[size];
        var weight = new float[size];
        double scale = (double)length / size;
        for (int i = 0; i < size; i++)
        {
            double source = Math.Max((i + 0.5) * scale - 0.5, 0);
            low[i] = Math.Min((int)source, length - 1);
            high[i] = Math.Min(low[i] + 1, length - 1);
            weight[i] = (float)(source - low[i]);
        }
        return (low, high, weight);
    }

    /// <summary>Adds <paramref name="before"/> and <paramref name="after"/> zeros along <paramref name="axis"/>; the gradient is the middle slice.</summary>
    /// <param name="x">Input tensor.</param>
    /// <param name="axis">Axis padded, in [-rank, rank).</param>
    /// <param name="before">Zeros inserted before the first entry, non-negative.</param>
    /// <param name="after">Zeros appended after the last entry, non-negative.</param>
    /// <exception cref="ArgumentException">When <paramref name="axis"/> is out of range or a padding is negative.</exception>
    public static Tensor Pad(Tensor x, int axis, int before, int after)
    {
        axis = Shapes.NormalizeAxis(axis, x.Rank, "Pad");
        if (before < 0 || after < 0) throw new ArgumentException($"Pad: padding must be >= 0, received ({before}, {after}).");
        var (outer, size, inner) = Shapes.Split(x.Dims, axis);
        int padded = size + before + after;
        var shape = x.Shape;
        shape[axis] = padded;
        var y = new float[outer * padded * inner];
        for (int o = 0; o < outer; o++)
            Array.Copy(x.Data, o * size * inner, y, (o * padded + before) * inner, size * inner);
        return Tape.Record(new Tensor(y, shape), [x], g => [Slice(g, axis, before, size)]);
    }
}

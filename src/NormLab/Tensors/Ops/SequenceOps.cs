using NormLab.Autograd;

namespace NormLab;

public static partial class Ops
{
    /// <summary>The entries of <paramref name="axis"/> in reverse order (a recurrent layer's goBackwards).</summary>
    /// <param name="x">Input tensor, e.g. (batch, timesteps, features).</param>
    /// <param name="axis">Axis reversed, in [-rank, rank) (1 for the time axis of a sequence).</param>
    public static Tensor Reverse(Tensor x, int axis)
    {
        axis = Shapes.NormalizeAxis(axis, x.Rank, "Reverse");
        var result = new Tensor(ReverseData(x.Data, x.Dims, axis), x.Shape);
        return Tape.Record(result, [x], g => [Reverse(g, axis)]);
    }

    private static float[] ReverseData(float[] data, ReadOnlySpan<int> dims, int axis)
    {
        var (outer, size, inner) = Shapes.Split(dims, axis);
        var result = new float[data.Length];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < size; i++)
                Array.Copy(data, (o * size + i) * inner, result, (o * size + size - 1 - i) * inner, inner);
        return result;
    }
}

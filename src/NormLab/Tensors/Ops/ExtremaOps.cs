using System.Numerics.Tensors;
using NormLab.Autograd;

namespace NormLab;

public static partial class Ops
{
    /// <summary>The elementwise maximum of a and b with NumPy broadcasting. The gradient goes to a where a &gt;= b,
    /// else to b (TensorFlow's rule for ties).</summary>
    /// <param name="a">First operand; wins ties.</param>
    /// <param name="b">Second operand; its shape must broadcast with <paramref name="a"/>'s (NumPy rules).</param>
    /// <exception cref="ArgumentException">When the shapes do not broadcast.</exception>
    public static Tensor Maximum(Tensor a, Tensor b) => Extremum(a, b, "Maximum", (x, y) => x >= y);

    /// <summary>The elementwise minimum of a and b with NumPy broadcasting. The gradient goes to a where a &lt;= b, else to b.</summary>
    /// <param name="a">First operand; wins ties.</param>
    /// <param name="b">Second operand; its shape must broadcast with <paramref name="a"/>'s (NumPy rules).</param>
    /// <exception cref="ArgumentException">When the shapes do not broadcast.</exception>
    public static Tensor Minimum(Tensor a, Tensor b) => Extremum(a, b, "Minimum", (x, y) => x <= y);

    private static Tensor Extremum(Tensor a, Tensor b, string name, Func<float, float, bool> takeA)
    {
        var shape = Shapes.Broadcast(a.Dims, b.Dims, name);
        float[] av = BroadcastData(a, shape), bv = BroadcastData(b, shape);
        var fromA = new bool[av.Length];
        var result = new float[av.Length];
        for (int i = 0; i < result.Length; i++)
        {
            fromA[i] = takeA(av[i], bv[i]);
            result[i] = fromA[i] ? av[i] : bv[i];
        }
        return Tape.Record(new Tensor(result, shape), [a, b], g =>
        {
            float[] da = new float[g.Size], db = new float[g.Size];
            for (int i = 0; i < da.Length; i++)
                if (fromA[i]) da[i] = g.Data[i];
                else db[i] = g.Data[i];
            return [a.RequiresGrad ? ReduceTo(new Tensor(da, shape), a.Shape) : null,
                    b.RequiresGrad ? ReduceTo(new Tensor(db, shape), b.Shape) : null];
        });
    }
}

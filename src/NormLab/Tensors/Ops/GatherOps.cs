using System.Numerics.Tensors;
using NormLab.Autograd;

namespace NormLab;

public static partial class Ops
{
    /// <summary>
    /// Rows of <paramref name="table"/> (rows, width) picked by <paramref name="indices"/>; the result has
    /// shape indicesShape + (width). Backward scatter-adds into the picked rows.
    /// </summary>
    internal static Tensor Gather(Tensor table, int[] indices, int[] indicesShape)
    {
        int width = table.Dims[1];
        var y = new float[indices.Length * width];
        for (int i = 0; i < indices.Length; i++) Array.Copy(table.Data, indices[i] * width, y, i * width, width);
        return Tape.Record(new Tensor(y, [.. indicesShape, width]), [table], g =>
        {
            var dTable = new float[table.Size];
            for (int i = 0; i < indices.Length; i++)
            {
                var row = dTable.AsSpan(indices[i] * width, width);
                TensorPrimitives.Add(row, g.Data.AsSpan(i * width, width), row);
            }
            return [new Tensor(dTable, table.Shape)];
        });
    }
}

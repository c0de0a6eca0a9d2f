using NormLab.Autograd;
using NormLab.Kernels;

namespace NormLab;

public static partial class Ops
{
    /// <summary>
    /// The matrix product of each pair of matrices in two batches: (batch, m, k) · (batch, k, n) → (batch, m, n),
    /// or with <paramref name="transposeB"/> b is (batch, n, k) and its matrices are transposed (q·kᵀ).
    /// </summary>
    /// <param name="a">Left batch, shape (batch, m, k).</param>
    /// <param name="b">Right batch, shape (batch, k, n), or (batch, n, k) with <paramref name="transposeB"/>; same batch size as <paramref name="a"/>.</param>
    /// <param name="transposeB">Use the transpose of each matrix of <paramref name="b"/> (attention scores q·kᵀ without a copy); default false.</param>
    /// <exception cref="ArgumentException">When an operand is not rank 3 or the batch or inner dimensions differ.</exception>
    public static Tensor BatchMatMul(Tensor a, Tensor b, bool transposeB = false)
    {
        if (a.Rank != 3 || b.Rank != 3 || a.Dims[0] != b.Dims[0] || a.Dims[2] != b.Dims[transposeB ? 2 : 1])
            throw new ArgumentException($"BatchMatMul: expected (batch, m, k) and {(transposeB ? "(batch, n, k)" : "(batch, k, n)")}, received {Shapes.Format(a.Dims)} and {Shapes.Format(b.Dims)}.");
        int batch = a.Dims[0], m = a.Dims[1], k = a.Dims[2], n = transposeB ? b.Dims[1] : b.Dims[2];
        var y = new float[batch * m * n];
        for (int i = 0; i < batch; i++)
            Gemm.Multiply(a.Data, b.Data, y, m, n, k, transB: transposeB, aOffset: i * m * k, bOffset: i * k * n, cOffset: i * m * n);
        return Tape.Record(new Tensor(y, [batch, m, n]), [a, b], g =>
        {
            float[]? da = a.RequiresGrad ? new float[a.Size] : null, db = b.RequiresGrad ? new float[b.Size] : null;
            for (int i = 0; i < batch; i++)
            {
                // da = g·op(b)ᵀ; db = aᵀ·g (or gᵀ·a when b is transposed)
                if (da != null) Gemm.Multiply(g.Data, b.Data, da, m, k, n, transB: !transposeB, aOffset: i * m * n, bOffset: i * k * n, cOffset: i * m * k);
                if (db != null && transposeB) Gemm.Multiply(g.Data, a.Data, db, n, k, m, transA: true, aOffset: i * m * n, bOffset: i * m * k, cOffset: i * k * n);
                if (db != null && !transposeB) Gemm.Multiply(a.Data, g.Data, db, k, n, m, transA: true, aOffset: i * m * k, bOffset: i * m * n, cOffset: i * k * n);
            }
            return [da == null ? null : new Tensor(da, a.Shape), db == null ? null : new Tensor(db, b.Shape)];
        });
    }
}

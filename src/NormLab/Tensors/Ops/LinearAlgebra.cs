using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using NormLab.Autograd;
using NormLab.Kernels;

namespace NormLab;

public static partial class Ops
{
    /// <summary>The matrix product of two rank-2 tensors.</summary>
    /// <param name="a">Left matrix, shape (m, k).</param>
    /// <param name="b">Right matrix, shape (k, n).</param>
    /// <exception cref="ArgumentException">When either operand is not rank 2 or the inner dimensions differ.</exception>
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        if (a.Rank != 2 || b.Rank != 2 || a.Dims[1] != b.Dims[0])
            throw new ArgumentException($"MatMul: expected (m, k) x (k, n) matrices, received {Shapes.Format(a.Dims)} and {Shapes.Format(b.Dims)}.");
        return Linear(a, b, null);
    }

    /// <summary>
    /// x @ kernel + bias over the last axis of x (rank >= 2), as Keras's Dense computes it.
    /// One GEMM forward, two GEMMs and a column sum backward.
    /// </summary>
    /// <param name="x">Input of shape (..., inputDim), rank >= 2.</param>
    /// <param name="kernel">Weight matrix of shape (inputDim, units).</param>
    /// <param name="bias">Vector of shape (units), or null for no bias (Keras <c>use_bias=False</c>).</param>
    public static Tensor Linear(Tensor x, Tensor kernel, Tensor? bias)
    {
        int inFeatures = kernel.Dims[0], units = kernel.Dims[1];
        int rows = x.Size / Math.Max(1, inFeatures);
        var shape = x.Shape;
        shape[^1] = units;
        var output = Tensor.Uninitialized(shape);
        var y = output.Data;
        // Without a bias the product overwrites y; with one it accumulates onto the bias rows.
        if (bias != null)
            for (int r = 0; r < rows; r++) bias.Data.CopyTo(y, r * units);
        Gemm.Multiply(x.Data, kernel.Data, y, rows, units, inFeatures, accumulate: bias != null);
        Tensor[] inputs = bias == null ? [x, kernel] : [x, kernel, bias];
        return Tape.Record(output, inputs, g =>
        {
            Tensor? dx = null, dk = null, db = null;
            if (x.RequiresGrad)
            {
                dx = Tensor.Uninitialized(x.Dims);
                Gemm.Multiply(g.Data, kernel.Data, dx.Data, rows, inFeatures, units, transB: true);
            }
            if (kernel.RequiresGrad)
            {
                var data = new float[kernel.Size];
                Gemm.Multiply(x.Data, g.Data, data, inFeatures, units, rows, transA: true);
                dk = new Tensor(data, kernel.Shape);
            }
            if (bias != null && bias.RequiresGrad) db = new Tensor(ColumnSums(g.Data, rows, units), bias.Shape);
            return bias == null ? [dx, dk] : [dx, dk, db];
        });
    }

    /// <summary>Sums a [rows, columns] matrix over its rows (bias gradients).</summary>
    internal static unsafe float[] ColumnSums(float[] data, int rows, int columns)
    {
        var sums = new float[columns];
        // A plain loop rather than one TensorPrimitives.Add per row: with the few columns of a bias, the
        // per-call overhead was most of the time.
        int vectors = columns / Vector256<float>.Count * Vector256<float>.Count;
        fixed (float* d = data, s = sums)
            for (long r = 0; r < rows; r++)
            {
                float* row = d + r * columns;
                int j = 0;
                // Scalar math: sums[j] += data[r, j].
                for (; j < vectors; j += Vector256<float>.Count) (Vector256.Load(s + j) + Vector256.Load(row + j)).Store(s + j);
                for (; j < columns; j++) s[j] += row[j];
            }
        return sums;
    }
}

using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Initializers;

/// <summary>
/// A (semi-)orthogonal matrix times <c>gain</c>, Keras's default for LSTM recurrent kernels:
/// QR of a normal matrix of shape (prod(shape[:-1]), shape[-1]), with Q's column signs fixed by diag(R).
/// </summary>
/// <param name="gain">Factor the orthogonal matrix is multiplied by; default 1.</param>
public sealed class Orthogonal(double gain = 1) : Initializer
{
    /// <inheritdoc/>
    protected override void Fill(float[] target, int[] shape)
    {
        int cols = shape.Length == 0 ? 1 : shape[^1];
        int rows = target.Length / Math.Max(1, cols);
        bool transposed = rows < cols;
        int m = Math.Max(rows, cols), n = Math.Min(rows, cols);
        var normal = new float[m * n];
        NormLabRandom.FillNormal(normal, 0, 1);
        var q = GramSchmidt(normal, m, n);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                target[r * cols + c] = (float)(gain * (transposed ? q[c * n + r] : q[r * n + c]));
    }

    /// <summary>Modified Gram-Schmidt on the columns of an m x n matrix (m >= n): Q with positive diag(R).</summary>
    private static double[] GramSchmidt(float[] a, int m, int n)
    {
        var q = a.Select(v => (double)v).ToArray();
        for (int j = 0; j < n; j++)
        {
            for (int k = 0; k < j; k++)
            {
                double dot = 0;
                for (int i = 0; i < m; i++) dot += q[i * n + k] * q[i * n + j];
                for (int i = 0; i < m; i++) q[i * n + j] -= dot * q[i * n + k];
            }
            double norm = 0;
            for (int i = 0; i < m; i++) norm += q[i * n + j] * q[i * n + j];
            norm = Math.Sqrt(norm);
            for (int i = 0; i < m; i++) q[i * n + j] /= norm;
        }
        return q;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => NamedRegistry<Initializer>.ToConfig("Orthogonal", new() { ["gain"] = gain });
}

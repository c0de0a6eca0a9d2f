using NormLab.Autograd;
using NormLab.Kernels;

namespace NormLab;

public static partial class Ops
{
    /// <summary>
    /// Multi-head attention on projected heads: softmax(scale·q·kᵀ, masked)·v per (batch, head), as one fused
    /// kernel (<see cref="AttentionKernel"/>). q (B, Tq, H, Dk), k (B, Tk, H, Dk), v (B, Tk, H, Dv) → output
    /// (B, Tq, H, Dv) and the probabilities (B, H, Tq, Tk) before dropout (no gradient). <paramref name="mask"/>
    /// is (B or 1, Tq, Tk) with 1 to attend; <paramref name="dropoutRate"/> drops probabilities in training.
    /// </summary>
    internal static (Tensor Output, Tensor Probabilities) MultiHeadDotProductAttention(Tensor q, Tensor k, Tensor v,
        double scale, Tensor? mask, double dropoutRate, bool training)
    {
        int batch = q.Dims[0], tq = q.Dims[1], heads = q.Dims[2], dk = q.Dims[3], tk = k.Dims[1], dv = v.Dims[3];
        float[]? dropout = null;
        if (training && dropoutRate > 0)
        {
            dropout = new float[batch * heads * tq * tk];
            NormLabRandom.FillUniform(dropout, 0, 1);
            float keep = (float)(1 / (1 - dropoutRate));
            for (int i = 0; i < dropout.Length; i++) dropout[i] = dropout[i] >= dropoutRate ? keep : 0f;
        }
        var kernel = AttentionKernel.Forward(q.Data, k.Data, v.Data, mask?.Data, mask?.Dims[0] ?? 1, dropout,
            batch, heads, tq, tk, dk, dv, (float)scale);
        var output = Tape.Record(new Tensor(kernel.Output, [batch, tq, heads, dv]), [q, k, v], g =>
        {
            var dq = new float[q.Size];
            var dk_ = new float[k.Size];
            var dv_ = new float[v.Size];
            kernel.Backward(g.Data, dq, dk_, dv_);
            return [new Tensor(dq, q.Shape), new Tensor(dk_, k.Shape), new Tensor(dv_, v.Shape)];
        });
        return (output, new Tensor(kernel.Probabilities, [batch, heads, tq, tk]));
    }
}

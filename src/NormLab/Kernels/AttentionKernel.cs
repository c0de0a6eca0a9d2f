using System.Numerics.Tensors;

namespace NormLab.Kernels;

/// <summary>
/// Multi-head scaled dot-product attention, one task per (batch, head): P = softmax(scale·Q·Kᵀ, masked),
/// O = (P ⊙ dropout)·V with small GEMMs on per-task copies of the head's rows, the softmax fused in one pass
/// per row. Tensors stay in the projections' (batch, time, heads, depth) layout, so no transposes are needed
/// around the kernel; the probabilities (batch, heads, Tq, Tk) are kept for the backward pass.
/// </summary>
/// <remarks>
/// Mask: (Bm, Tq, Tk) with Bm = batch or 1, 1 to attend; a masked score has 1e9 subtracted before the softmax,
/// as Keras's masked softmax, so a fully masked row attends uniformly. Dropout: (batch, heads, Tq, Tk) of
/// 0 or 1 / (1 - rate), or null.
/// </remarks>
internal sealed class AttentionKernel
{
    private readonly int batch, heads, tq, tk, dk, dv;
    private readonly float scale;
    private readonly float[] q, k, v;
    private readonly float[]? dropout;

    /// <summary>The attention probabilities (batch, heads, Tq, Tk), before dropout.</summary>
    internal readonly float[] Probabilities;

    /// <summary>The output (batch, Tq, heads, Dv).</summary>
    internal readonly float[] Output;

    private AttentionKernel(float[] q, float[] k, float[] v, float[]? dropout, int batch, int heads, int tq, int tk, int dk, int dv, float scale)
    {
        (this.q, this.k, this.v, this.dropout) = (q, k, v, dropout);
        (this.batch, this.heads, this.tq, this.tk, this.dk, this.dv, this.scale) = (batch, heads, tq, tk, dk, dv, scale);
        Probabilities = new float[batch * heads * tq * tk];
        Output = new float[batch * tq * heads * dv];
    }

    /// <summary>Computes the attention; q (B, Tq, H, Dk), k (B, Tk, H, Dk), v (B, Tk, H, Dv).</summary>
    internal static AttentionKernel Forward(float[] q, float[] k, float[] v, float[]? mask, int maskBatch, float[]? dropout,
        int batch, int heads, int tq, int tk, int dk, int dv, float scale)
    {
        var a = new AttentionKernel(q, k, v, dropout, batch, heads, tq, tk, dk, dv, scale);
        a.ForTasks((b, h, s) =>
        {
            s.Gather(q, b, h, tq, heads, dk, s.Q);
            s.Gather(k, b, h, tk, heads, dk, s.K);
            s.Gather(v, b, h, tk, heads, dv, s.V);
            var p = a.Probabilities.AsSpan((b * heads + h) * tq * tk, tq * tk);
            var pa = s.P;
            Gemm.MultiplySingleThreaded(s.Q, s.K, pa, tq, tk, dk, transB: true);
            int maskOffset = (maskBatch == 1 ? 0 : b) * tq * tk;
            for (int i = 0; i < tq; i++)
            {
                var row = pa.AsSpan(i * tk, tk);
                // Scalar math: s = scale·q·k - 1e9·(1 - mask); p = exp(s - max s) / Σ exp(s - max s)
                TensorPrimitives.Multiply(row, scale, row);
                if (mask != null)
                    for (int j = 0; j < tk; j++)
                        if (mask[maskOffset + i * tk + j] == 0) row[j] -= 1e9f;
                TensorPrimitives.Subtract(row, TensorPrimitives.Max(row), row);
                TensorPrimitives.Exp(row, row);
                TensorPrimitives.Divide(row, TensorPrimitives.Sum(row), row);
            }
            pa.AsSpan(0, tq * tk).CopyTo(p);
            if (dropout != null)
                TensorPrimitives.Multiply(pa.AsSpan(0, tq * tk), dropout.AsSpan((b * heads + h) * tq * tk, tq * tk), pa.AsSpan(0, tq * tk));
            Gemm.MultiplySingleThreaded(pa, s.V, s.O, tq, dv, tk);
            s.Scatter(s.O, a.Output, b, h, tq, heads, dv);
        });
        return a;
    }

    /// <summary>Back-propagates dO (B, Tq, H, Dv) into dQ, dK and dV in the inputs' layouts.</summary>
    internal void Backward(float[] dOutput, float[] dq, float[] dk_, float[] dv_)
    {
        ForTasks((b, h, s) =>
        {
            s.Gather(q, b, h, tq, heads, dk, s.Q);
            s.Gather(k, b, h, tk, heads, dk, s.K);
            s.Gather(v, b, h, tk, heads, dv, s.V);
            s.Gather(dOutput, b, h, tq, heads, dv, s.O);
            var p = Probabilities.AsSpan((b * heads + h) * tq * tk, tq * tk);
            var drop = dropout == null ? Span<float>.Empty : dropout.AsSpan((b * heads + h) * tq * tk, tq * tk);
            // dV = (P ⊙ dropout)ᵀ · dO
            if (dropout != null) TensorPrimitives.Multiply(p, drop, s.P.AsSpan(0, tq * tk));
            else p.CopyTo(s.P);
            Gemm.MultiplySingleThreaded(s.P, s.O, s.DV, tk, dv, tq, transA: true);
            // dP = (dO · Vᵀ) ⊙ dropout; dS = scale · P ⊙ (dP - Σ_j dP ⊙ P)
            Gemm.MultiplySingleThreaded(s.O, s.V, s.P, tq, tk, dv, transB: true);
            for (int i = 0; i < tq; i++)
            {
                var row = s.P.AsSpan(i * tk, tk);
                var pr = p.Slice(i * tk, tk);
                if (dropout != null) TensorPrimitives.Multiply(row, drop.Slice(i * tk, tk), row);
                float dot = TensorPrimitives.Dot(row, pr);
                TensorPrimitives.Subtract(row, dot, row);
                TensorPrimitives.Multiply(row, pr, row);
                TensorPrimitives.Multiply(row, scale, row);
            }
            // dQ = dS · K, dK = dSᵀ · Q
            Gemm.MultiplySingleThreaded(s.P, s.K, s.Q, tq, dk, tk);
            Gemm.MultiplySingleThreaded(s.P, s.Q2(q, b, h), s.K, tk, dk, tq, transA: true);
            s.Scatter(s.Q, dq, b, h, tq, heads, dk);
            s.Scatter(s.K, dk_, b, h, tk, heads, dk);
            s.Scatter(s.DV, dv_, b, h, tk, heads, dv);
        });
    }

    /// <summary>Runs <paramref name="body"/> for every (batch, head) on the kernel threads, each with its own scratch.</summary>
    private void ForTasks(Action<int, int, Scratch> body)
    {
        int tasks = batch * heads;
        long work = (long)tasks * tq * tk * (dk + dv);
        KernelThreads.ForRanges(tasks, work, Gemm.ParallelThreshold, (start, end) =>
        {
            var scratch = new Scratch(this);
            for (int t = start; t < end; t++) body(t / heads, t % heads, scratch);
        });
    }

    /// <summary>One thread's contiguous copies of a head's rows.</summary>
    private sealed class Scratch(AttentionKernel a)
    {
        internal readonly float[] Q = new float[a.tq * a.dk], K = new float[a.tk * a.dk], V = new float[a.tk * a.dv];
        internal readonly float[] O = new float[a.tq * a.dv], DV = new float[a.tk * a.dv], P = new float[a.tq * a.tk];
        private readonly float[] q2 = new float[a.tq * a.dk];

        /// <summary>Head h of sample b from (B, T, H, D) into a (T, D) matrix.</summary>
        internal void Gather(float[] source, int b, int h, int steps, int heads, int depth, float[] target)
        {
            for (int t = 0; t < steps; t++)
                Array.Copy(source, ((b * steps + t) * heads + h) * depth, target, t * depth, depth);
        }

        /// <summary>A (T, D) matrix into head h of sample b of (B, T, H, D).</summary>
        internal void Scatter(float[] source, float[] target, int b, int h, int steps, int heads, int depth)
        {
            for (int t = 0; t < steps; t++)
                Array.Copy(source, t * depth, target, ((b * steps + t) * heads + h) * depth, depth);
        }

        /// <summary>A second copy of the head's queries (Q holds dQ by the time dK needs them).</summary>
        internal float[] Q2(float[] q, int b, int h)
        {
            Gather(q, b, h, a.tq, a.heads, a.dk, q2);
            return q2;
        }
    }
}

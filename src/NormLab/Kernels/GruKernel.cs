namespace NormLab.Kernels;

/// <summary>
/// The GRU recurrence with Keras's reset_after=True (the cuDNN form), gates z, r, h, time-major:
/// the input projections of all steps come in precomputed, so each step is one GEMM of the previous state
/// by the recurrent kernel and one fused pass of gate math; the backward pass is one GEMM per step and one
/// GEMM for the recurrent kernel's gradient over all steps.
/// </summary>
/// <remarks>
/// Shapes (time-major, row-major): projected (T, B, 3U) including the input bias; recurrent kernel (U, 3U);
/// recurrent bias (3U) or null; mask (T, B) of 1/0 or null (a masked step keeps the previous state);
/// recurrent dropout (B, U) or null (multiplies the previous state inside the recurrent product only).
/// </remarks>
internal sealed class GruKernel
{
    private readonly int steps, batch, units;
    private readonly float[] recurrentKernel;
    private readonly float[]? mask, recurrentDropout;

    /// <summary>States h_0..h_T, (T + 1, B, U); h_0 = 0.</summary>
    internal readonly float[] States;
    // Saved per step for the backward pass, (T, B, U) each: the gates, the candidate, the recurrent
    // candidate term (r multiplies it), and the state as it entered the recurrent product.
    private readonly float[] z, r, candidate, recurrentCandidate, stateIn;

    private GruKernel(int steps, int batch, int units, float[] recurrentKernel, float[]? mask, float[]? recurrentDropout)
    {
        this.steps = steps;
        this.batch = batch;
        this.units = units;
        this.recurrentKernel = recurrentKernel;
        this.mask = mask;
        this.recurrentDropout = recurrentDropout;
        int n = steps * batch * units;
        States = new float[n + batch * units];
        z = new float[n];
        r = new float[n];
        candidate = new float[n];
        recurrentCandidate = new float[n];
        stateIn = recurrentDropout == null ? States : new float[n];
    }

    /// <summary>Runs the recurrence forward and keeps what the backward pass needs.</summary>
    internal static GruKernel Forward(float[] projected, float[] recurrentKernel, float[]? recurrentBias,
        float[]? mask, float[]? recurrentDropout, int steps, int batch, int units)
    {
        var k = new GruKernel(steps, batch, units, recurrentKernel, mask, recurrentDropout);
        int bu = batch * units, g = 3 * units;
        var inner = new float[batch * g];
        for (int t = 0; t < steps; t++)
        {
            int previous = t * bu;
            if (recurrentDropout != null)
                for (int i = 0; i < bu; i++) k.stateIn[previous + i] = k.States[previous + i] * recurrentDropout[i];
            // inner = h_in · recurrent_kernel + recurrent_bias, one GEMM for all gates.
            if (recurrentBias != null)
                for (int n = 0; n < batch; n++) Array.Copy(recurrentBias, 0, inner, n * g, g);
            Gemm.Multiply(k.stateIn, recurrentKernel, inner, batch, g, units, accumulate: recurrentBias != null, aOffset: previous);
            for (int n = 0; n < batch; n++)
            {
                int row = t * bu + n * units, xRow = (t * batch + n) * g, iRow = n * g;
                int hp = previous + n * units, hn = (t + 1) * bu + n * units;
                bool real = mask == null || mask[t * batch + n] != 0;
                // Scalar math: z = σ(xz + iz), r = σ(xr + ir), c = tanh(xh + r·ih), h = z·h_prev + (1 - z)·c
                for (int j = 0; j < units; j++)
                {
                    float zj = Sigmoid(projected[xRow + j] + inner[iRow + j]);
                    float rj = Sigmoid(projected[xRow + units + j] + inner[iRow + units + j]);
                    float ih = inner[iRow + 2 * units + j];
                    float cj = MathF.Tanh(projected[xRow + 2 * units + j] + rj * ih);
                    float hPrev = k.States[hp + j];
                    k.z[row + j] = zj;
                    k.r[row + j] = rj;
                    k.candidate[row + j] = cj;
                    k.recurrentCandidate[row + j] = ih;
                    k.States[hn + j] = real ? cj + zj * (hPrev - cj) : hPrev;
                }
            }
        }
        return k;
    }

    /// <summary>
    /// Back-propagates <paramref name="dStates"/> (T, B, U), the gradient of h_1..h_T, into the projected
    /// inputs (T, B, 3U), the recurrent kernel (U, 3U) and the recurrent bias (3U, when given).
    /// </summary>
    internal void Backward(float[] dStates, float[] dProjected, float[]? dRecurrentKernel, float[]? dRecurrentBias)
    {
        int bu = batch * units, g = 3 * units;
        var dInner = new float[steps * batch * g];
        var dh = new float[bu];
        var dhIn = new float[bu];
        for (int t = steps - 1; t >= 0; t--)
        {
            for (int i = 0; i < bu; i++) dh[i] += dStates[t * bu + i];
            for (int n = 0; n < batch; n++)
            {
                int row = t * bu + n * units, gRow = (t * batch + n) * g, hp = t * bu + n * units;
                if (mask != null && mask[t * batch + n] == 0) continue; // dh passes to h_prev unchanged
                // Scalar math: dz = dh·(h_prev - c)·z(1 - z); dc = dh·(1 - z)·(1 - c²); dih = dc·r; dr = dc·ih·r(1 - r)
                for (int j = 0; j < units; j++)
                {
                    float zj = z[row + j], rj = r[row + j], cj = candidate[row + j], ih = recurrentCandidate[row + j];
                    float d = dh[n * units + j];
                    float dz = d * (States[hp + j] - cj) * zj * (1 - zj);
                    float dc = d * (1 - zj) * (1 - cj * cj);
                    float dr = dc * ih * rj * (1 - rj);
                    dProjected[gRow + j] = dz;
                    dProjected[gRow + units + j] = dr;
                    dProjected[gRow + 2 * units + j] = dc;
                    dInner[gRow + j] = dz;
                    dInner[gRow + units + j] = dr;
                    dInner[gRow + 2 * units + j] = dc * rj;
                    dh[n * units + j] = d * zj;
                }
            }
            // The recurrent product's share of d h_prev: dInner · recurrent_kernelᵀ (through the dropout mask).
            Gemm.Multiply(dInner, recurrentKernel, dhIn, batch, units, g, transB: true, aOffset: t * batch * g);
            if (recurrentDropout != null)
                for (int i = 0; i < bu; i++) dh[i] += dhIn[i] * recurrentDropout[i];
            else
                for (int i = 0; i < bu; i++) dh[i] += dhIn[i];
        }
        // All steps at once: d recurrent_kernel = Σ_t h_in(t)ᵀ · dInner(t), rows (t, b) stacked.
        if (dRecurrentKernel != null)
            Gemm.Multiply(stateIn, dInner, dRecurrentKernel, units, g, steps * batch, transA: true);
        if (dRecurrentBias != null)
            for (int row = 0; row < steps * batch; row++)
                System.Numerics.Tensors.TensorPrimitives.Add(dRecurrentBias, dInner.AsSpan(row * g, g), dRecurrentBias);
    }

    private static float Sigmoid(float x) => 1 / (1 + MathF.Exp(-x));
}

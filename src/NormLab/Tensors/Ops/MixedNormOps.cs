using System.Numerics.Tensors;
using NormLab.Autograd;
using NormLab.Distributed;
using NormLab.Kernels;

namespace NormLab;

public static partial class Ops
{
    /// <summary>
    /// Per-(sample, channel) moments on the view [N, O, C, I] in one pass over x (the shared
    /// <see cref="Moments"/> kernel with B = N, K = C): instance means and <b>biased</b> variances.
    /// </summary>
    internal static (double[] mean, double[] variance) InstanceMoments(Tensor x, int N, int O, int C, int I)
    {
        // Compute writes every entry.
        var mean = Uninit<double>(N * C); var variance = Uninit<double>(N * C);
        Kernels.Moments.Compute(x.Data, N, O, C, I, mean, variance);
        return (mean, variance);
    }

    /// <summary>
    /// Batch-instance normalization on the view [N, O, C, I] (channel c, sample n, spatial (o, i)):
    /// <code>y = (rho[c] * (x - mb[c]) * sb[c] + (1 - rho[c]) * (x - mi[n,c]) * si[n,c]) * gamma[c] + beta[c]</code>
    /// with <c>s = 1/sqrt(var + eps)</c>. <paramref name="mi"/>/<paramref name="vi"/> are the instance
    /// statistics (always functions of x); <paramref name="mb"/>/<paramref name="vb"/> the batch ones, functions
    /// of x when <paramref name="batchStats"/>, else constants (moving statistics). Fused backward, hand-derived:
    /// every (n, c) slice is affine in x, so dx = dy * p + (x - mi) * q + r with
    /// <code>
    /// p = gamma (rho sb + (1 - rho) si)
    /// q = -(1 - rho) gamma si^3 Di / HW  -  [batch] rho gamma sb^3 SB / (N HW)
    /// r = -(1 - rho) gamma si A / HW     -  [batch] rho gamma (sb SA + sb^3 SB (mi - mb)) / (N HW)
    /// dgamma = rho sb SB + (1 - rho) sum_n si Di;  dbeta = SA;  drho = gamma (sb SB - sum_n si Di)
    /// </code>
    /// where A = sum dy, Di = sum dy (x - mi) per (n, c), SA = sum_n A, SB = sum_n sum dy (x - mb).
    /// <paramref name="crossReplica"/> (synchronized BIN, where mb and vb are already the statistics over
    /// every replica) sums SA and SB over the replicas for dx's BN terms and gives the global N HW; the
    /// parameter gradients stay local (the gradient allreduce sums them).
    /// </summary>
    internal static Tensor BatchInstanceNorm(Tensor x, int N, int O, int C, int I,
        double[] mi, double[] vi, double[] mb, double[] vb, bool batchStats, double epsilon,
        Tensor gamma, Tensor beta, Tensor rho, CrossReplicaSums? crossReplica = null)
    {
        int NC = N * C;
        double HW = (double)O * I, M = N * HW;
        var si = InstancePooling.InverseStd(vi, epsilon); var sb = InstancePooling.InverseStd(vb, epsilon);
        float[] G = gamma.Data, R = rho.Data;
        // Every entry is written below.
        var mh = Uninit<float>(NC); var a = Uninit<float>(NC); var sh = Uninit<float>(NC);
        BatchInstanceKernel.Coefficients(N, C, mi, si, mb, sb, G, beta.Data, R, mh, a, sh);
        var y = Tensor.Uninitialized(x.Dims);
        Normalize.Affine(x.Data, y.Data, N, O, C, I, mh, a, sh, y.RecycledArray);
        return Tape.Record(y, [x, gamma, beta, rho], dy =>
        {
            var A = Uninit<double>(NC); var Bm = Uninit<double>(NC); // Sums clears each sample's before adding
            SampleChannelNorm.Sums(x.Data, dy.Data, N, O, C, I, mh, A, Bm);
            var SA = new double[C]; var SB = new double[C]; var SI = new double[C];
            var Di = Uninit<double>(NC);
            BatchInstanceKernel.Sums(N, C, A, Bm, mh, mi, mb, si, Di, SA, SB, SI);
            var (dgamma, dbeta, drho) = BatchInstanceKernel.ParameterGradients(C, G, R, sb, SA, SB, SI);
            Tensor? dx = null;
            if (x.RequiresGrad)
            {
                double Mg = M;
                if (batchStats && crossReplica != null)
                {
                    SA = (double[])SA.Clone(); SB = (double[])SB.Clone();
                    Mg = crossReplica(SA, SB);
                }
                var q = Uninit<float>(NC); var rr = Uninit<float>(NC);
                BatchInstanceKernel.InputCoefficients(N, C, HW, Mg, batchStats, G, R, sb, SA, SB, A, Di, mh, mi, mb, si, q, rr);
                dx = Tensor.Uninitialized(x.Dims);
                SampleChannelNorm.Apply(x.Data, dy.Data, dx.Data, N, O, C, I, mh, a, q, rr);
            }
            return [dx, new Tensor(dgamma, gamma.Shape), new Tensor(dbeta, beta.Shape), new Tensor(drho, rho.Shape)];
        });
    }

    /// <summary>
    /// Switchable normalization on the view [N, O, C, I], all statistics derived from the per-(n, c)
    /// instance ones (<paramref name="mi"/>, <paramref name="vi"/>; vi already carries the layer's Bessel
    /// factor <paramref name="bessel"/>, i.e. vi = bessel * biased variance):
    /// <code>
    /// ml[n] = mean_c mi,  vl[n] = mean_c vi + mean_c (mi - ml)^2       (LN, from IN)
    /// mb[c] = mean_n mi,  vb[c] = mean_n vi + mean_n (mi - mb)^2       (BN, from IN; or moving, constants)
    /// mu = w0 mi + w1 ml + w2 mb,  var = v0 vi + v1 vl + v2 vb,  w = softmax(meanLogits), v = softmax(varLogits)
    /// y  = (x - mu) / sqrt(var + eps) * gamma + beta
    /// </code>
    /// Two logits mean [IN, LN] only (no BN branch). Fused backward: with gm = dL/dmu = -s gamma A and
    /// gv = dL/dvar = -s^3 gamma D / 2 per (n, c) (A = sum dy, D = sum dy (x - mu)), the gradients reach
    /// the instance statistics as
    /// <code>
    /// Gvi = v0 gv + v1 sum_c gv / C + [batch] v2 sum_n gv / N
    /// Gmi = w0 gm + w1 sum_c gm / C + [batch] w2 sum_n gm / N + 2 v1 sum_c gv (mi - ml) / C + [batch] 2 v2 sum_n gv (mi - mb) / N
    /// dx  = dy gamma s + Gmi / HW + Gvi * bessel * 2 (x - mi) / HW
    /// dlogit_k = w_k (g_k - sum_j w_j g_j),  g_k = sum gm * stat_k   (and the same for the variances)
    /// </code>
    /// <paramref name="sync"/> (synchronized SN, training with the BN branch): mb and vb are those of the
    /// global batch, merged from every rank's (samples, mb, vb) with Chan's formula (every sample weighs
    /// the same, as in one process), and dx's BN terms use <c>sum_n gm</c>, <c>sum_n gv</c> and N over
    /// every replica (one allreduce); the parameter gradients stay local (the gradient allreduce sums them).
    /// </summary>
    internal static Tensor SwitchableNorm(Tensor x, int N, int O, int C, int I,
        double[] mi, double[] vi, double bessel, double[]? movingMean, double[]? movingVar, bool batchStats, double epsilon,
        Tensor gamma, Tensor beta, Tensor meanLogits, Tensor varLogits, out double[]? batchMean, out double[]? batchVar,
        SyncBatchStatistics? sync = null)
    {
        int NC = N * C, K = meanLogits.Size;
        bool useBn = K == 3;
        double HW = (double)O * I;
        var (ml, vl) = InstancePooling.OverChannels(mi, vi, N, C);
        double[]? mb = null, vb = null;
        batchMean = batchVar = null;
        long samples = N;
        if (useBn)
        {
            if (batchStats)
            {
                (mb, vb) = InstancePooling.OverSamples(mi, vi, N, C);
                batchMean = mb; batchVar = vb;
                if (sync != null) samples = sync.Merge(N, mb, vb);
            }
            else { mb = movingMean!; vb = movingVar!; }
        }
        var w = SoftmaxD(meanLogits.Data); var v = SoftmaxD(varLogits.Data);
        var mu = Uninit<double>(NC); var s = Uninit<double>(NC);
        var zeros = useBn ? null : new double[C];
        var fmh = Uninit<float>(NC); var fa = Uninit<float>(NC); var fsh = Uninit<float>(NC);
        SwitchableKernel.Coefficients(N, C, w, v, epsilon, ml, vl, mi, vi, mb ?? zeros!, vb ?? zeros!, gamma.Data, beta.Data, mu, s, fmh, fa, fsh);
        var y = Tensor.Uninitialized(x.Dims);
        Normalize.Affine(x.Data, y.Data, N, O, C, I, fmh, fa, fsh, y.RecycledArray);
        var bnMean = mb; var bnVar = vb;
        return Tape.Record(y, [x, gamma, beta, meanLogits, varLogits], dy =>
        {
            var mh = Uninit<float>(NC);
            TensorPrimitives.ConvertTruncating<double, float>(mi, mh);
            var A = Uninit<double>(NC); var Bm = Uninit<double>(NC);
            SampleChannelNorm.Sums(x.Data, dy.Data, N, O, C, I, mh, A, Bm);
            var gm = Uninit<double>(NC); var gv = Uninit<double>(NC);
            var dgamma = new double[C]; var dbeta = new double[C];
            var smL = new double[N]; var svL = new double[N];
            var smB = new double[C]; var svB = new double[C];
            var (gwm0, gwv0, gwm1, gwv1) = SwitchableKernel.StatisticGradients(N, C, A, Bm, mu, mh, s, gamma.Data, mi, vi, ml, vl,
                gm, gv, smL, svL, smB, svB, dgamma, dbeta);
            var gwm = new double[K]; var gwv = new double[K];
            gwm[0] = gwm0; gwm[1] = gwm1; gwv[0] = gwv0; gwv[1] = gwv1;
            if (useBn)
            {
                // smB/svB are still local here (the sync allreduce below replaces them).
                gwm[2] = TensorPrimitives.Dot<double>(smB, bnMean!); gwv[2] = TensorPrimitives.Dot<double>(svB, bnVar!);
            }
            Tensor? dx = null;
            if (x.RequiresGrad)
            {
                bool bnGrad = useBn && batchStats;
                double Nb = N;
                if (bnGrad && sync != null) Nb = sync.BackwardSums(samples)(smB, svB);
                var p = Uninit<float>(NC); var q = Uninit<float>(NC); var r = Uninit<float>(NC);
                SwitchableKernel.InputCoefficients(N, C, HW, bessel, w, v, bnGrad, Nb, smB, svB, bnMean,
                    gm, gv, smL, svL, mi, ml, mh, s, gamma.Data, p, q, r);
                dx = Tensor.Uninitialized(x.Dims);
                SampleChannelNorm.Apply(x.Data, dy.Data, dx.Data, N, O, C, I, mh, p, q, r);
            }
            return [dx,
                new Tensor(ToFloat(dgamma), gamma.Shape),
                new Tensor(ToFloat(dbeta), beta.Shape),
                new Tensor(SoftmaxBackward(w, gwm), meanLogits.Shape),
                new Tensor(SoftmaxBackward(v, gwv), varLogits.Shape)];
        });
    }

    /// <summary>A per-(sample, channel) buffer that the code fills completely before reading it: no
    /// zeroing (SwitchableNorm allocates a dozen of them per call; zeroing was 8% of its time).</summary>
    private static T[] Uninit<T>(int length) => GC.AllocateUninitializedArray<T>(length);

    /// <summary>Each entry rounded to float (gradients summed in double).</summary>
    private static float[] ToFloat(double[] values)
    {
        var f = new float[values.Length];
        TensorPrimitives.ConvertTruncating<double, float>(values, f);
        return f;
    }

    /// <summary>Softmax in double of a small logit vector.</summary>
    internal static double[] SoftmaxD(float[] logits)
    {
        double max = double.NegativeInfinity;
        foreach (float l in logits) max = Math.Max(max, l);
        var e = new double[logits.Length];
        double sum = 0;
        for (int k = 0; k < e.Length; k++) sum += e[k] = Math.Exp(logits[k] - max);
        for (int k = 0; k < e.Length; k++) e[k] /= sum;
        return e;
    }

    private static float[] SoftmaxBackward(double[] w, double[] g)
    {
        double dot = 0;
        for (int k = 0; k < w.Length; k++) dot += w[k] * g[k];
        var d = new float[w.Length];
        for (int k = 0; k < w.Length; k++) d[k] = (float)(w[k] * (g[k] - dot));
        return d;
    }

    /// <summary>
    /// Mean-only batch normalization on the view [O, C, I]: <c>y = x - mean[c] + beta[c]</c>. With
    /// <paramref name="batchStats"/> the mean is the batch mean (a function of x: dx = dy - mean of dy over
    /// the channel's elements); otherwise a constant (the moving mean: dx = dy).
    /// </summary>
    internal static Tensor MeanOnlyNorm(Tensor x, int O, int C, int I, double[] mean, Tensor beta, bool batchStats)
    {
        var mh = new float[C]; var a = new float[C]; var sh = new float[C];
        for (int c = 0; c < C; c++) { mh[c] = (float)mean[c]; a[c] = 1; sh[c] = (float)(beta.Data[c] - (mean[c] - mh[c])); }
        var y = Tensor.Uninitialized(x.Dims);
        Normalize.Affine(x.Data, y.Data, 1, O, C, I, mh, a, sh, y.RecycledArray);
        return Tape.Record(y, [x, beta], dy =>
        {
            var A = new double[C]; var unused = new double[C];
            SampleChannelNorm.Sums(x.Data, dy.Data, 1, O, C, I, mh, A, unused);
            Tensor? dx = null;
            if (x.RequiresGrad)
            {
                var zero = new float[C]; var one = new float[C]; var r = new float[C];
                Array.Fill(one, 1f);
                if (batchStats) for (int c = 0; c < C; c++) r[c] = (float)(-A[c] / ((double)O * I));
                dx = Tensor.Uninitialized(x.Dims);
                SampleChannelNorm.Apply(x.Data, dy.Data, dx.Data, 1, O, C, I, mh, one, zero, r);
            }
            return [dx, new Tensor(ToFloat(A), beta.Shape)];
        });
    }

    /// <summary>
    /// Weight normalization of a kernel whose last axis is the output unit: <c>w = g[o] * v / ||v[:, o]||</c>.
    /// Backward: <c>dg[o] = sum dw * vhat</c>, <c>dv = g / ||v|| * (dw - vhat * dg)</c>, vhat = v / ||v||.
    /// </summary>
    internal static Tensor WeightNorm(Tensor v, Tensor g)
    {
        int units = g.Size, n = v.Size;
        var norms = Layers.WeightNormalization.ColumnNorms(v.Data, units);
        var w = new float[n];
        for (int i = 0; i < n; i++) { int o = i % units; w[i] = (float)(g.Data[o] * (v.Data[i] / norms[o])); }
        return Tape.Record(new Tensor(w, v.Shape), [v, g], dw =>
        {
            var dg = new double[units];
            for (int i = 0; i < n; i++) dg[i % units] += dw.Data[i] * (v.Data[i] / norms[i % units]);
            float[]? dv = null;
            if (v.RequiresGrad)
            {
                dv = new float[n];
                for (int i = 0; i < n; i++)
                {
                    int o = i % units;
                    dv[i] = (float)(g.Data[o] / norms[o] * (dw.Data[i] - v.Data[i] / norms[o] * dg[o]));
                }
            }
            return [dv == null ? null : new Tensor(dv, v.Shape), new Tensor(ToFloat(dg), g.Shape)];
        });
    }
}

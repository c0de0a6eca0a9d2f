using System.Numerics.Tensors;
using NormLab.Autograd;
using NormLab.Distributed;
using NormLab.Kernels;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
    /// Per-channel batch statistics from per-(n, c) ones with equal group sizes, in the stable
    /// "law of total variance" form: <c>mb[c] = mean_n mi</c>, <c>vb[c] = mean_n vi + mean_n (mi - mb)^2</c>.
    /// (Algebraically equal to <c>mean_n(vi + mi^2) - mb^2</c>, without its cancellation when |mean| is large.)
    /// </summary>
    internal static (double[] mean, double[] variance) PoolOverSamples(double[] mi, double[] vi, int N, int C)
    {
        // Scalar math: mb[c] = mean over n of mi[n, c]; vb[c] = mean over n of vi[n, c] + (mi[n, c] - mb[c])²
        // (vectorized across channels: with a few samples these loops cost as much as a data pass).
        var mb = new double[C]; var vb = new double[C]; var d = new double[C];
        for (int n = 0; n < N; n++) TensorPrimitives.Add(mb, mi.AsSpan(n * C, C), mb);
        TensorPrimitives.Divide(mb, N, mb);
        for (int n = 0; n < N; n++)
        {
            TensorPrimitives.Subtract(mi.AsSpan(n * C, C), mb, d);
            TensorPrimitives.FusedMultiplyAdd(d, d, vb, vb);
            TensorPrimitives.Add(vb, vi.AsSpan(n * C, C), vb);
        }
        TensorPrimitives.Divide(vb, N, vb);
        return (mb, vb);
    }

    /// <summary>Per-sample statistics from per-(n, c) ones (the same stable form over channels).</summary>
    internal static (double[] mean, double[] variance) PoolOverChannels(double[] mi, double[] vi, int N, int C)
    {
        // Scalar math: ml[n] = mean over c of mi[n, c]; vl[n] = mean over c of vi[n, c] + (mi[n, c] - ml[n])²
        var ml = new double[N]; var vl = new double[N]; var d = new double[C];
        for (int n = 0; n < N; n++)
        {
            var m = mi.AsSpan(n * C, C);
            ml[n] = TensorPrimitives.Sum<double>(m) / C;
            TensorPrimitives.Subtract(m, ml[n], d);
            vl[n] = (TensorPrimitives.Sum<double>(vi.AsSpan(n * C, C)) + TensorPrimitives.SumOfSquares<double>(d)) / C;
        }
        return (ml, vl);
    }

    /// <summary><c>1 / sqrt(variance + epsilon)</c> per entry, vectorized: a scalar square root and division per
    /// (sample, channel) cost BIN on (32, 20, 128) more than its data pass.</summary>
    private static double[] InverseStd(double[] variance, double epsilon)
    {
        var s = Uninit<double>(variance.Length);
        TensorPrimitives.Add(variance, epsilon, s);
        TensorPrimitives.Sqrt(s, s);
        TensorPrimitives.Reciprocal(s, s);
        return s;
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
        var si = InverseStd(vi, epsilon); var sb = InverseStd(vb, epsilon);
        float[] G = gamma.Data, Bt = beta.Data, R = rho.Data;
        // Every entry is written below.
        var mh = Uninit<float>(NC); var a = Uninit<float>(NC); var sh = Uninit<float>(NC);
        int cv = Avx.IsSupported ? C - C % 4 : 0;
        var one = Vector256.Create(1.0);
        for (int n = 0; n < N; n++)
        {
            int j0 = n * C;
            // Scalar math: the loop below, four channels at a time (the same operations in the same order).
            for (int c = 0; c < cv; c += 4)
            {
                int j = j0 + c;
                var m = Vector256.LoadUnsafe(ref mi[j]); var sj = Vector256.LoadUnsafe(ref si[j]);
                var sbc = Vector256.LoadUnsafe(ref sb[c]);
                var g = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref G[c]));
                var r = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref R[c]));
                var hi = Avx.ConvertToVector128Single(m);
                var hd = Avx.ConvertToVector256Double(hi);
                hi.StoreUnsafe(ref mh[j]);
                Avx.ConvertToVector128Single(g * (r * sbc + (one - r) * sj)).StoreUnsafe(ref a[j]);
                var shift = g * r * sbc * (hd - Vector256.LoadUnsafe(ref mb[c])) + g * (one - r) * sj * (hd - m)
                    + Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref Bt[c]));
                Avx.ConvertToVector128Single(shift).StoreUnsafe(ref sh[j]);
            }
            for (int c = cv, j = j0 + cv; c < C; c++, j++)
            {
                mh[j] = (float)mi[j];
                double g = G[c], r = R[c];
                a[j] = (float)(g * (r * sb[c] + (1 - r) * si[j]));
                sh[j] = (float)(g * r * sb[c] * (mh[j] - mb[c]) + g * (1 - r) * si[j] * (mh[j] - mi[j]) + Bt[c]);
            }
        }
        var y = Tensor.Uninitialized(x.Dims);
        Normalize.Affine(x.Data, y.Data, N, O, C, I, mh, a, sh, y.RecycledArray);
        return Tape.Record(y, [x, gamma, beta, rho], dy =>
        {
            var A = Uninit<double>(NC); var Bm = Uninit<double>(NC); // Sums clears each sample's before adding
            SampleChannelNorm.Sums(x.Data, dy.Data, N, O, C, I, mh, A, Bm);
            var SA = new double[C]; var SB = new double[C]; var SI = new double[C];
            var Di = Uninit<double>(NC);
            for (int n = 0; n < N; n++)
            {
                int j0 = n * C;
                // Scalar math: the loop below, four channels at a time (the same operations in the same order).
                for (int c = 0; c < cv; c += 4)
                {
                    int j = j0 + c;
                    var a = Vector256.LoadUnsafe(ref A[j]); var bj = Vector256.LoadUnsafe(ref Bm[j]);
                    var hd = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref mh[j]));
                    var d = bj + (hd - Vector256.LoadUnsafe(ref mi[j])) * a;
                    d.StoreUnsafe(ref Di[j]);
                    (Vector256.LoadUnsafe(ref SA[c]) + a).StoreUnsafe(ref SA[c]);
                    (Vector256.LoadUnsafe(ref SB[c]) + (bj + (hd - Vector256.LoadUnsafe(ref mb[c])) * a)).StoreUnsafe(ref SB[c]);
                    (Vector256.LoadUnsafe(ref SI[c]) + Vector256.LoadUnsafe(ref si[j]) * d).StoreUnsafe(ref SI[c]);
                }
                for (int c = cv, j = j0 + cv; c < C; c++, j++)
                {
                    Di[j] = Bm[j] + (mh[j] - mi[j]) * A[j];
                    SA[c] += A[j];
                    SB[c] += Bm[j] + (mh[j] - mb[c]) * A[j];
                    SI[c] += si[j] * Di[j];
                }
            }
            var dgamma = new float[C]; var dbeta = new float[C]; var drho = new float[C];
            for (int c = 0; c < C; c++)
            {
                double r = R[c];
                dgamma[c] = (float)(r * sb[c] * SB[c] + (1 - r) * SI[c]);
                dbeta[c] = (float)SA[c];
                drho[c] = (float)(G[c] * (sb[c] * SB[c] - SI[c]));
            }
            Tensor? dx = null;
            if (x.RequiresGrad)
            {
                double Mg = M;
                if (batchStats && crossReplica != null)
                {
                    SA = (double[])SA.Clone(); SB = (double[])SB.Clone();
                    Mg = crossReplica(SA, SB);
                }
                // Per channel: the instance terms' factor kIn and the whole batch terms (no division per (n, c)).
                var kIn = new double[C]; var qBn = new double[C]; var rBn = new double[C];
                for (int c = 0; c < C; c++)
                {
                    double g = G[c], r = R[c];
                    kIn[c] = -(1 - r) * g / HW;
                    if (!batchStats) continue;
                    qBn[c] = -r * g * sb[c] * sb[c] * sb[c] * SB[c] / Mg;
                    rBn[c] = -r * g * sb[c] * SA[c] / Mg;
                }
                var q = Uninit<float>(NC); var rr = Uninit<float>(NC);
                for (int n = 0; n < N; n++)
                {
                    int j0 = n * C;
                    // Scalar math: the loop below, four channels at a time (the same operations in the same order).
                    for (int c = 0; c < cv; c += 4)
                    {
                        int j = j0 + c;
                        var k = Vector256.LoadUnsafe(ref kIn[c]); var sj = Vector256.LoadUnsafe(ref si[j]);
                        var qb = Vector256.LoadUnsafe(ref qBn[c]);
                        var hd = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref mh[j]));
                        var qIn = k * sj * sj * sj * Vector256.LoadUnsafe(ref Di[j]);
                        Avx.ConvertToVector128Single(qIn + qb).StoreUnsafe(ref q[j]);
                        var r0 = k * sj * Vector256.LoadUnsafe(ref A[j]) + qIn * (hd - Vector256.LoadUnsafe(ref mi[j]))
                            + Vector256.LoadUnsafe(ref rBn[c]) + qb * (hd - Vector256.LoadUnsafe(ref mb[c]));
                        Avx.ConvertToVector128Single(r0).StoreUnsafe(ref rr[j]);
                    }
                    for (int c = cv, j = j0 + cv; c < C; c++, j++)
                    {
                        double qIn = kIn[c] * si[j] * si[j] * si[j] * Di[j];
                        q[j] = (float)(qIn + qBn[c]);
                        rr[j] = (float)(kIn[c] * si[j] * A[j] + qIn * (mh[j] - mi[j]) + rBn[c] + qBn[c] * (mh[j] - mb[c]));
                    }
                }
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
        var (ml, vl) = PoolOverChannels(mi, vi, N, C);
        double[]? mb = null, vb = null;
        batchMean = batchVar = null;
        long samples = N;
        if (useBn)
        {
            if (batchStats)
            {
                (mb, vb) = PoolOverSamples(mi, vi, N, C);
                batchMean = mb; batchVar = vb;
                if (sync != null) samples = sync.Merge(N, mb, vb);
            }
            else { mb = movingMean!; vb = movingVar!; }
        }
        var w = SoftmaxD(meanLogits.Data); var v = SoftmaxD(varLogits.Data);
        var mu = Uninit<double>(NC); var s = Uninit<double>(NC);
        double w0 = w[0], w1 = w[1], w2 = useBn ? w[2] : 0, v0 = v[0], v1 = v[1], v2 = useBn ? v[2] : 0;
        float[] G = gamma.Data, Bt = beta.Data;
        var bnMean = mb; var bnVar = vb;
        var zeros = useBn ? null : new double[C];
        double[] mbz = mb ?? zeros!, vbz = vb ?? zeros!;
        var fmh = Uninit<float>(NC); var fa = Uninit<float>(NC); var fsh = Uninit<float>(NC);
        {
            // One pass per (n, c): mixed mean and variance, s = 1 / sqrt(var + eps) and the affine coefficients
            // of the slice (as Normalize.ChannelForward: a = (float)s * gamma, the mean's float rounding in the shift).
            int cv = Avx.IsSupported ? C - C % 4 : 0;
            var vw0 = Vector256.Create(w0); var vw2 = Vector256.Create(w2); var vv0 = Vector256.Create(v0); var vv2 = Vector256.Create(v2);
            var one = Vector256.Create(1.0);
            for (int n = 0; n < N; n++)
            {
                double lm = w1 * ml[n], lv = v1 * vl[n] + epsilon;
                var vlm = Vector256.Create(lm); var vlv = Vector256.Create(lv);
                int j0 = n * C;
                // Scalar math: the loop below, four channels at a time.
                for (int c = 0; c < cv; c += 4)
                {
                    int j = j0 + c;
                    var m = vw0 * Vector256.LoadUnsafe(ref mi[j]) + vlm + vw2 * Vector256.LoadUnsafe(ref mbz[c]);
                    var va = vv0 * Vector256.LoadUnsafe(ref vi[j]) + vlv + vv2 * Vector256.LoadUnsafe(ref vbz[c]);
                    var sj = one / Vector256.Sqrt(va);
                    m.StoreUnsafe(ref mu[j]); sj.StoreUnsafe(ref s[j]);
                    var hi = Avx.ConvertToVector128Single(m);
                    var ac = Avx.ConvertToVector256Double(Avx.ConvertToVector128Single(sj)) * Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref G[c]));
                    hi.StoreUnsafe(ref fmh[j]);
                    Avx.ConvertToVector128Single(ac).StoreUnsafe(ref fa[j]);
                    Avx.ConvertToVector128Single(Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref Bt[c])) - (m - Avx.ConvertToVector256Double(hi)) * ac).StoreUnsafe(ref fsh[j]);
                }
                for (int c = cv, j = j0 + cv; c < C; c++, j++)
                {
                    double m = w0 * mi[j] + lm + w2 * mbz[c];
                    double sj = 1 / Math.Sqrt(v0 * vi[j] + lv + v2 * vbz[c]);
                    mu[j] = m; s[j] = sj;
                    float hi = (float)m;
                    double ac = (double)(float)sj * G[c];
                    fmh[j] = hi; fa[j] = (float)ac; fsh[j] = (float)(Bt[c] - (m - hi) * ac);
                }
            }
            var yv = Tensor.Uninitialized(x.Dims);
            Normalize.Affine(x.Data, yv.Data, N, O, C, I, fmh, fa, fsh, yv.RecycledArray);
            return Record(yv);
        }
        Tensor Record(Tensor y) => Tape.Record(y, [x, gamma, beta, meanLogits, varLogits], dy =>
        {
            var mh = Uninit<float>(NC);
            for (int j = 0; j < NC; j++) mh[j] = (float)mi[j];
            var A = Uninit<double>(NC); var Bm = Uninit<double>(NC);
            SampleChannelNorm.Sums(x.Data, dy.Data, N, O, C, I, mh, A, Bm);
            var gm = Uninit<double>(NC); var gv = Uninit<double>(NC);
            var dgamma = new double[C]; var dbeta = new double[C];
            var smL = new double[N]; var svL = new double[N];
            var smB = new double[C]; var svB = new double[C];
            // Per (n, c): gm = dL/dmu, gv = dL/dvar; sums over c (LN), over n (BN) and the logit gradients'
            // dot products in locals (g_LN = sum_n ml smL, g_BN = sum_c mb smB, folded after the loop).
            double gwm0 = 0, gwv0 = 0, gwm1 = 0, gwv1 = 0;
            var Gd = new double[C];
            for (int c = 0; c < C; c++) Gd[c] = G[c];
            int cv = Avx.IsSupported ? C - C % 4 : 0;
            var vgwm0 = Vector256<double>.Zero; var vgwv0 = Vector256<double>.Zero;
            var half = Vector256.Create(-0.5);
            for (int n = 0; n < N; n++)
            {
                int j0 = n * C;
                var vsm = Vector256<double>.Zero; var vsv = Vector256<double>.Zero;
                // Scalar math: the loop below, four channels at a time.
                for (int c = 0; c < cv; c += 4)
                {
                    int j = j0 + c;
                    var sj = Vector256.LoadUnsafe(ref s[j]); var a = Vector256.LoadUnsafe(ref A[j]);
                    var D = Vector256.LoadUnsafe(ref Bm[j]) - (Vector256.LoadUnsafe(ref mu[j]) - Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref mh[j]))) * a;
                    var g = Vector256.LoadUnsafe(ref Gd[c]);
                    (Vector256.LoadUnsafe(ref dgamma[c]) + sj * D).StoreUnsafe(ref dgamma[c]);
                    (Vector256.LoadUnsafe(ref dbeta[c]) + a).StoreUnsafe(ref dbeta[c]);
                    var m_ = -(sj * g * a); var v_ = half * sj * sj * sj * g * D;
                    m_.StoreUnsafe(ref gm[j]); v_.StoreUnsafe(ref gv[j]);
                    vgwm0 += m_ * Vector256.LoadUnsafe(ref mi[j]); vgwv0 += v_ * Vector256.LoadUnsafe(ref vi[j]);
                    vsm += m_; vsv += v_;
                    (Vector256.LoadUnsafe(ref smB[c]) + m_).StoreUnsafe(ref smB[c]);
                    (Vector256.LoadUnsafe(ref svB[c]) + v_).StoreUnsafe(ref svB[c]);
                }
                double sm = Vector256.Sum(vsm), sv = Vector256.Sum(vsv);
                for (int c = cv, j = j0 + cv; c < C; c++, j++)
                {
                    double sj = s[j], a = A[j];
                    double D = Bm[j] - (mu[j] - mh[j]) * a;
                    dgamma[c] += sj * D;
                    dbeta[c] += a;
                    double m_ = -(sj * Gd[c] * a), v_ = -0.5 * sj * sj * sj * Gd[c] * D;
                    gm[j] = m_; gv[j] = v_;
                    gwm0 += m_ * mi[j]; gwv0 += v_ * vi[j];
                    sm += m_; sv += v_;
                    smB[c] += m_; svB[c] += v_;
                }
                smL[n] = sm; svL[n] = sv;
                gwm1 += sm * ml[n]; gwv1 += sv * vl[n];
            }
            gwm0 += Vector256.Sum(vgwm0); gwv0 += Vector256.Sum(vgwv0);
            var gwm = new double[K]; var gwv = new double[K];
            gwm[0] = gwm0; gwm[1] = gwm1; gwv[0] = gwv0; gwv[1] = gwv1;
            if (useBn)
            {
                // smB/svB are still local here (the sync allreduce below replaces them).
                double m2 = 0, v2s = 0;
                for (int c = 0; c < C; c++) { m2 += smB[c] * bnMean![c]; v2s += svB[c] * bnVar![c]; }
                gwm[2] = m2; gwv[2] = v2s;
            }
            Tensor? dx = null;
            if (x.RequiresGrad)
            {
                bool bnGrad = useBn && batchStats;
                double Nb = N;
                if (bnGrad && sync != null) Nb = sync.BackwardSums(samples)(smB, svB);
                // Reciprocals hoisted: a division per (n, c) costs more than the rest of the loop.
                double invC = 1.0 / C, invN = 1.0 / Nb, invHW = 1.0 / HW, k2 = 2 * bessel * invHW;
                // Per-channel BN terms: Gvi += bv[c], Gmi += bm[c] + bd[c] (mi - mb[c]).
                var bv = new double[C]; var bm = new double[C]; var bd = new double[C];
                if (bnGrad)
                    for (int c = 0; c < C; c++)
                    {
                        bv[c] = v2 * svB[c] * invN; bm[c] = w2 * smB[c] * invN; bd[c] = 2 * v2 * svB[c] * invN;
                    }
                var p = Uninit<float>(NC); var q = Uninit<float>(NC); var r = Uninit<float>(NC);
                var bmean = bnGrad ? bnMean! : bd; // bd is all zeros without the BN gradient
                var vw0 = Vector256.Create(w0); var vv0 = Vector256.Create(v0); var vk2 = Vector256.Create(k2); var vih = Vector256.Create(invHW);
                for (int n = 0; n < N; n++)
                {
                    double lv = v1 * svL[n] * invC, lm = w1 * smL[n] * invC, ld = 2 * v1 * svL[n] * invC, mln = ml[n];
                    var vlv = Vector256.Create(lv); var vlm = Vector256.Create(lm); var vld = Vector256.Create(ld); var vml = Vector256.Create(mln);
                    int j0 = n * C;
                    // Scalar math: the loop below, four channels at a time.
                    for (int c = 0; c < cv; c += 4)
                    {
                        int j = j0 + c;
                        var mij = Vector256.LoadUnsafe(ref mi[j]);
                        var gvi = vv0 * Vector256.LoadUnsafe(ref gv[j]) + vlv + Vector256.LoadUnsafe(ref bv[c]);
                        var gmi = vw0 * Vector256.LoadUnsafe(ref gm[j]) + vlm + vld * (mij - vml) + Vector256.LoadUnsafe(ref bm[c])
                            + Vector256.LoadUnsafe(ref bd[c]) * (mij - Vector256.LoadUnsafe(ref bmean[c]));
                        var qq = vk2 * gvi;
                        var mhj = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref mh[j]));
                        Avx.ConvertToVector128Single(Vector256.LoadUnsafe(ref Gd[c]) * Vector256.LoadUnsafe(ref s[j])).StoreUnsafe(ref p[j]);
                        Avx.ConvertToVector128Single(qq).StoreUnsafe(ref q[j]);
                        Avx.ConvertToVector128Single(gmi * vih + qq * (mhj - mij)).StoreUnsafe(ref r[j]);
                    }
                    for (int c = cv, j = j0 + cv; c < C; c++, j++)
                    {
                        double mij = mi[j];
                        double gvi = v0 * gv[j] + lv + bv[c];
                        double gmi = w0 * gm[j] + lm + ld * (mij - mln) + bm[c] + bd[c] * (mij - bmean[c]);
                        double qq = k2 * gvi;
                        p[j] = (float)(G[c] * s[j]);
                        q[j] = (float)qq;
                        r[j] = (float)(gmi * invHW + qq * (mh[j] - mij));
                    }
                }
                dx = Tensor.Uninitialized(x.Dims);
                SampleChannelNorm.Apply(x.Data, dy.Data, dx.Data, N, O, C, I, mh, p, q, r);
            }
            var dgf = new float[C]; var dbf = new float[C];
            for (int c = 0; c < C; c++) { dgf[c] = (float)dgamma[c]; dbf[c] = (float)dbeta[c]; }
            return [dx,
                new Tensor(dgf, gamma.Shape),
                new Tensor(dbf, beta.Shape),
                new Tensor(SoftmaxBackward(w, gwm), meanLogits.Shape),
                new Tensor(SoftmaxBackward(v, gwv), varLogits.Shape)];
        });
    }

    /// <summary>A per-(sample, channel) buffer that the code fills completely before reading it: no
    /// zeroing (SwitchableNorm allocates a dozen of them per call; zeroing was 8% of its time).</summary>
    private static T[] Uninit<T>(int length) => GC.AllocateUninitializedArray<T>(length);

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
            return [dx, new Tensor(A.Select(z => (float)z).ToArray(), beta.Shape)];
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
            return [dv == null ? null : new Tensor(dv, v.Shape), new Tensor(dg.Select(z => (float)z).ToArray(), g.Shape)];
        });
    }
}

using NormLab.Autograd;
using NormLab.Kernels;

namespace NormLab;

public static partial class Ops
{
    /// <summary>
    /// Channel normalization (BN, GN, IN) on the view [B, O, C, I] with G groups of channels, using
    /// the fused kernel and its fused backward. Statistics are given (double mean, float invstd per
    /// (b, group)); with <paramref name="batchStats"/> they are treated as functions of x. Optional
    /// <paramref name="renormR"/>/<paramref name="renormD"/> (per channel, no gradient) give batch
    /// renormalization: y = (xhat * r + d) * gamma + beta. <paramref name="crossReplica"/> (synchronized
    /// batch norm, where mean and invstd are already the statistics over every replica) sums the
    /// backward's per-channel sums over the replicas.
    /// </summary>
    internal static Tensor ChannelNorm(Tensor x, int B, int O, int C, int I, int G,
        double[] mean, float[] invstd, Tensor? gamma, Tensor? beta, bool batchStats,
        float[]? renormR = null, float[]? renormD = null, CrossReplicaSums? crossReplica = null)
    {
        float[]? gEff = gamma?.Data, bEff = beta?.Data;
        if (renormR != null && renormD != null)
        {
            gEff = new float[C]; bEff = new float[C];
            for (int c = 0; c < C; c++)
            {
                float g = gamma?.Data[c] ?? 1f;
                gEff[c] = renormR[c] * g;
                bEff[c] = renormD[c] * g + (beta?.Data[c] ?? 0f);
            }
        }
        var y = new float[x.Size];
        Normalize.ChannelForward(x.Data, y, B, O, C, I, G, mean, invstd, gEff, bEff);
        var inputs = new List<Tensor> { x };
        if (gamma != null) inputs.Add(gamma);
        if (beta != null) inputs.Add(beta);
        return Tape.Record(new Tensor(y, x.Shape), inputs.ToArray(), dy =>
        {
            bool needG = gamma?.RequiresGrad == true, needB = beta?.RequiresGrad == true;
            var dx = x.RequiresGrad ? new float[x.Size] : null;
            var dg = needG || needB ? new float[C] : null;
            var db = needG || needB ? new float[C] : null;
            Normalize.ChannelBackward(x.Data, dy.Data, B, O, C, I, G, mean, invstd, gEff, batchStats, dx, dg, db, crossReplica);
            if (renormR != null && renormD != null && dg != null)
                for (int c = 0; c < C; c++) dg[c] = renormR[c] * dg[c] + renormD[c] * db![c];
            var grads = new List<Tensor?> { dx == null ? null : new Tensor(dx, x.Shape) };
            if (gamma != null) grads.Add(needG ? new Tensor(dg!, gamma.Shape) : null);
            if (beta != null) grads.Add(needB ? new Tensor(db!, beta.Shape) : null);
            return grads.ToArray();
        });
    }

    /// <summary>
    /// Row normalization (LN, RMS) on the view [B, O, K, I]: statistics per (b, k), gamma/beta over the
    /// normalized positions (o, i). <paramref name="center"/> false gives y = x * invstd * gamma (RMS
    /// normalization with a zero mean, or LayerNormalization's rms_scaling with the batch mean).
    /// </summary>
    internal static Tensor RowNorm(Tensor x, int B, int O, int K, int I,
        double[] mean, float[] invstd, Tensor? gamma, Tensor? beta, bool center)
    {
        var y = new float[x.Size];
        Normalize.RowForward(x.Data, y, B, O, K, I, mean, invstd, gamma?.Data, beta?.Data, center);
        var inputs = new List<Tensor> { x };
        if (gamma != null) inputs.Add(gamma);
        if (beta != null) inputs.Add(beta);
        return Tape.Record(new Tensor(y, x.Shape), inputs.ToArray(), dy =>
        {
            bool needG = gamma?.RequiresGrad == true, needB = beta?.RequiresGrad == true;
            var dx = x.RequiresGrad ? new float[x.Size] : null;
            var dg = needG ? new float[O * I] : null;
            var db = needB ? new float[O * I] : null;
            Normalize.RowBackward(x.Data, dy.Data, B, O, K, I, mean, invstd, gamma?.Data, center, dx, dg, db);
            var grads = new List<Tensor?> { dx == null ? null : new Tensor(dx, x.Shape) };
            if (gamma != null) grads.Add(dg == null ? null : new Tensor(dg, gamma.Shape));
            if (beta != null) grads.Add(db == null ? null : new Tensor(db, beta.Shape));
            return grads.ToArray();
        });
    }
}

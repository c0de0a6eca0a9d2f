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
        var output = Tensor.Uninitialized(x.Dims);
        var y = output.Data;
        Normalize.ChannelForward(x.Data, y, B, O, C, I, G, mean, invstd, gEff, bEff, output.RecycledArray);
        return Tape.Record(output, Inputs(x, gamma, beta), dy =>
        {
            bool needG = gamma?.RequiresGrad == true, needB = beta?.RequiresGrad == true;
            var dx = x.RequiresGrad ? Tensor.Uninitialized(x.Dims) : null;
            var dg = needG || needB ? new float[C] : null;
            var db = needG || needB ? new float[C] : null;
            Normalize.ChannelBackward(x.Data, dy.Data, B, O, C, I, G, mean, invstd, gEff, batchStats, dx?.Data, dg, db, crossReplica);
            if (renormR != null && renormD != null && dg != null)
                for (int c = 0; c < C; c++) dg[c] = renormR[c] * dg[c] + renormD[c] * db![c];
            return Grads(dx, gamma, needG ? dg : null, beta, needB ? db : null);
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
        var output = Tensor.Uninitialized(x.Dims);
        var y = output.Data;
        Normalize.RowForward(x.Data, y, B, O, K, I, mean, invstd, gamma?.Data, beta?.Data, center);
        return Tape.Record(output, Inputs(x, gamma, beta), dy =>
        {
            bool needG = gamma?.RequiresGrad == true, needB = beta?.RequiresGrad == true;
            var dx = x.RequiresGrad ? Tensor.Uninitialized(x.Dims) : null;
            var dg = needG ? new float[O * I] : null;
            var db = needB ? new float[O * I] : null;
            Normalize.RowBackward(x.Data, dy.Data, B, O, K, I, mean, invstd, gamma?.Data, center, dx?.Data, dg, db);
            return Grads(dx, gamma, dg, beta, db);
        });
    }

    /// <summary>
    /// Group normalization (GN, IN) of channels-last data, the view [B, O, C, 1] with G groups, with
    /// the statistics of each (sample, group) computed inside the fused kernel while the sample is in
    /// cache; the backward treats them as functions of x. Same math as <see cref="ChannelNorm"/>.
    /// </summary>
    internal static Tensor GroupNormChannelsLast(Tensor x, int B, int O, int C, int G, double epsilon, Tensor? gamma, Tensor? beta)
    {
        var output = Tensor.Uninitialized(x.Dims);
        var y = output.Data;
        // The kernel writes every statistic: no zeroing (for IN on (32, 20, 128) that is 48 KB a call).
        var mean = GC.AllocateUninitializedArray<double>(B * G); var invstd = GC.AllocateUninitializedArray<float>(B * G);
        Normalize.ChannelForwardPerSample(x.Data, y, B, O, C, G, epsilon, gamma?.Data, beta?.Data, mean, invstd, output.RecycledArray);
        return Tape.Record(output, Inputs(x, gamma, beta), dy =>
        {
            bool needG = gamma?.RequiresGrad == true, needB = beta?.RequiresGrad == true;
            var dx = x.RequiresGrad ? Tensor.Uninitialized(x.Dims) : null;
            var dg = needG ? new float[C] : null;
            var db = needB ? new float[C] : null;
            Normalize.ChannelBackwardPerSample(x.Data, dy.Data, B, O, C, G, mean, invstd, gamma?.Data, dx?.Data, dg, db);
            return Grads(dx, gamma, dg, beta, db);
        });
    }

    /// <summary>
    /// Row normalization over contiguous rows of length <paramref name="L"/> (LN over trailing axes, RMS),
    /// with the statistics computed inside the fused kernel while each row is in cache. The modes are
    /// <see cref="RowNorm"/>'s; <paramref name="rootMeanSquare"/> uses the mean square and a zero mean.
    /// </summary>
    internal static Tensor RowNormContiguous(Tensor x, int rows, int L, double epsilon, Tensor? gamma, Tensor? beta,
        bool center, bool rootMeanSquare)
    {
        var output = Tensor.Uninitialized(x.Dims);
        var y = output.Data;
        // The kernel writes every statistic: no zeroing (for LN on (32, 28, 28, 64), 300 KB a call).
        var mean = GC.AllocateUninitializedArray<double>(rows); var invstd = GC.AllocateUninitializedArray<float>(rows);
        Normalize.RowForwardWithMoments(x.Data, y, rows, L, epsilon, gamma?.Data, beta?.Data, center, rootMeanSquare, mean, invstd, output.RecycledArray);
        return Tape.Record(output, Inputs(x, gamma, beta), dy =>
        {
            bool needG = gamma?.RequiresGrad == true, needB = beta?.RequiresGrad == true;
            var dx = x.RequiresGrad ? Tensor.Uninitialized(x.Dims) : null;
            var dg = needG ? new float[L] : null;
            var db = needB ? new float[L] : null;
            Normalize.RowBackward(x.Data, dy.Data, rows, 1, 1, L, mean, invstd, gamma?.Data, center, dx?.Data, dg, db);
            return Grads(dx, gamma, dg, beta, db);
        });
    }

    /// <summary>The recorded inputs x, gamma, beta, leaving out an absent gamma or beta; <see cref="Grads"/> matches it.</summary>
    private static Tensor[] Inputs(Tensor x, Tensor? gamma, Tensor? beta) =>
        gamma != null && beta != null ? [x, gamma, beta] : gamma != null ? [x, gamma] : beta != null ? [x, beta] : [x];

    private static Tensor?[] Grads(Tensor? dx, Tensor? gamma, float[]? dg, Tensor? beta, float[]? db)
    {
        var dgT = dg == null ? null : new Tensor(dg, gamma!.Shape);
        var dbT = db == null ? null : new Tensor(db, beta!.Shape);
        return gamma != null && beta != null ? [dx, dgT, dbT] : gamma != null ? [dx, dgT] : beta != null ? [dx, dbT] : [dx];
    }
}

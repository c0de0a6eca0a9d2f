using NormLab.Kernels;

namespace NormLab.Distributed;

/// <summary>
/// Batch statistics over every replica, for <c>BatchNormalization(synchronized: true)</c>
/// (PyTorch's SyncBatchNorm): the forward gathers each rank's (count, mean, M2) per channel and
/// merges them with Chan's parallel formula, so unequal shards give exactly the statistics of the
/// global batch; the backward sums <c>sum dy</c> and <c>sum dy * (x - mean)</c> over the ranks.
/// </summary>
/// <remarks>
/// Active only inside a distributed <c>Fit</c> (the strategy sets <see cref="Current"/>, the way a
/// Keras distribution scope does); elsewhere synchronized layers compute local statistics.
/// Every rank merges the same gathered values in rank order, so the statistics, and the moving
/// averages updated from them, are bitwise identical on all ranks.
/// </remarks>
internal sealed class SyncBatchStatistics(Communicator communicator)
{
    private static readonly AsyncLocal<SyncBatchStatistics?> current = new();

    /// <summary>The statistics of the distributed training running on this flow, or null.</summary>
    internal static SyncBatchStatistics? Current => current.Value;

    /// <summary>Makes <paramref name="statistics"/> current until the returned scope is disposed.</summary>
    internal static IDisposable Enter(SyncBatchStatistics? statistics)
    {
        var previous = current.Value;
        current.Value = statistics;
        return new Scope(() => current.Value = previous);
    }

    internal Communicator Communicator => communicator;

    /// <summary>
    /// Replaces the local per-channel <paramref name="mean"/> and biased <paramref name="variance"/>
    /// of <paramref name="count"/> values each by those over every rank; returns the global count.
    /// </summary>
    internal long Merge(long count, double[] mean, double[] variance)
    {
        int C = mean.Length;
        // Scalar math: send = [n, mean_c..., M2_c = var_c * n ...]
        var send = new double[1 + 2 * C];
        send[0] = count;
        for (int c = 0; c < C; c++)
        {
            send[1 + c] = mean[c];
            send[1 + C + c] = variance[c] * count;
        }
        var all = communicator.Allgather<double>(send);
        double total = 0;
        for (int c = 0; c < C; c++)
        {
            double n = 0, m = 0, m2 = 0;
            for (int r = 0; r < communicator.Size; r++)
            {
                int o = r * send.Length;
                Moments.Merge(ref n, ref m, ref m2, all[o], all[o + 1 + c], all[o + 1 + C + c]);
            }
            mean[c] = m;
            variance[c] = n > 0 ? Math.Max(0, m2 / n) : double.NaN;
            total = n;
        }
        return (long)total;
    }

    /// <summary>The backward hook: one allreduce of both per-channel sums; the count is the forward's global count.</summary>
    internal CrossReplicaSums BackwardSums(long globalCount) => (sumDy, sumDyXc) =>
    {
        int C = sumDy.Length;
        var buffer = new double[2 * C];
        sumDy.CopyTo(buffer, 0);
        sumDyXc.CopyTo(buffer, C);
        communicator.AllreduceSum(buffer);
        Array.Copy(buffer, 0, sumDy, 0, C);
        Array.Copy(buffer, C, sumDyXc, 0, C);
        return globalCount;
    };

    private sealed class Scope(Action exit) : IDisposable
    {
        public void Dispose() => exit();
    }
}

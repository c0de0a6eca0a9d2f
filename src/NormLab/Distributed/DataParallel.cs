namespace NormLab.Distributed;

/// <summary>
/// Data parallelism for <c>Model.Fit(..., distributed: true)</c>: every rank holds the model and the
/// data, trains on its shard of each global batch, and applies the same averaged gradient, so the
/// weights stay identical on every rank.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>The initial weights (trainable and not) are broadcast from rank 0, and so is each epoch's shuffle order.</item>
/// <item>A global batch of N samples is cut into contiguous shards, the first N mod K ranks taking one more
/// (32 over 3 ranks: 11, 11, 10).</item>
/// <item>Each rank scales its loss by n_r / N before the backward pass, so the gradients (and the
/// synchronized batch-norm sums) simply add up to the exact gradient of the global-batch loss.</item>
/// <item>The gradients are flattened into a few large buckets and summed with one allreduce per bucket;
/// the loss rides in the last bucket. Metrics are updated on the gathered global batch.</item>
/// </list>
/// </remarks>
internal sealed class DataParallel
{
    /// <summary>Floats per allreduce bucket (4 MB), so a big model still goes out in a few calls.</summary>
    internal const int BucketFloats = 1 << 20;

    private readonly List<float[]> buckets = new();

    internal DataParallel(Communicator communicator)
    {
        Communicator = communicator;
        // With one rank, synchronized batch norm is local batch norm: no collectives.
        Statistics = communicator.Size > 1 ? new SyncBatchStatistics(communicator) : null;
    }

    internal Communicator Communicator { get; }

    internal SyncBatchStatistics? Statistics { get; }

    internal int Rank => Communicator.Rank;

    internal int Size => Communicator.Size;

    /// <summary>Rank r's shard [start, start + count) of a global batch of <paramref name="total"/> samples.</summary>
    internal static (int start, int count) Shard(int total, int rank, int size)
    {
        int baseCount = total / size, extra = total % size;
        int count = baseCount + (rank < extra ? 1 : 0);
        int start = rank * baseCount + Math.Min(rank, extra);
        return (start, count);
    }

    /// <summary>The shard sizes of every rank, in rank order.</summary>
    internal int[] ShardCounts(int total) => Enumerable.Range(0, Size).Select(r => Shard(total, r, Size).count).ToArray();

    /// <summary>Copies rank 0's values of <paramref name="weights"/> to every rank, bucketed.</summary>
    internal void BroadcastWeights(IReadOnlyList<Tensor> weights)
    {
        if (Size == 1) return;
        foreach (var (bucket, slots) in Layout(weights, extra: 0))
        {
            foreach (var (w, offset) in slots) w.Data.CopyTo(bucket, offset);
            Communicator.Broadcast<float>(bucket.AsSpan(0, Used(slots)));
            foreach (var (w, offset) in slots) Array.Copy(bucket, offset, w.Data, 0, w.Size);
        }
    }

    /// <summary>Rank 0's shuffle order, on every rank.</summary>
    internal void BroadcastOrder(int[] order) => Communicator.Broadcast<int>(order);

    /// <summary>
    /// Sums the (already n_r / N scaled) gradients over the ranks in place and returns the summed
    /// <paramref name="scaledLoss"/>, the loss of the global batch. A weight that has no gradient on
    /// any rank keeps a null gradient, as in a single process.
    /// </summary>
    internal double AllreduceGradients(IReadOnlyList<Tensor> weights, double scaledLoss)
    {
        if (Size == 1) return scaledLoss;
        // Per weight, one flag (1 when this rank has a gradient) after the values, then the loss.
        var layout = Layout(weights, extra: weights.Count + 1);
        for (int b = 0; b < layout.Count; b++)
        {
            var (bucket, slots) = layout[b];
            int used = Used(slots);
            int extra = b == layout.Count - 1 ? weights.Count + 1 : 0;
            foreach (var (w, offset) in slots)
                if (w.Grad != null) w.Grad.Data.CopyTo(bucket, offset);
                else Array.Clear(bucket, offset, w.Size);
            if (extra > 0)
            {
                for (int i = 0; i < weights.Count; i++) bucket[used + i] = weights[i].Grad != null ? 1f : 0f;
                bucket[used + weights.Count] = (float)scaledLoss;
            }
            Communicator.AllreduceSum(bucket.AsSpan(0, used + extra));
            foreach (var (w, offset) in slots)
            {
                if (w.Grad == null) w.Grad = new Tensor(new float[w.Size], w.Shape);
                Array.Copy(bucket, offset, w.Grad.Data, 0, w.Size);
            }
            if (extra > 0)
            {
                for (int i = 0; i < weights.Count; i++)
                    if (bucket[used + i] == 0) weights[i].Grad = null;
                scaledLoss = bucket[used + weights.Count];
            }
        }
        return scaledLoss;
    }

    /// <summary>
    /// The shards of <paramref name="a"/> and <paramref name="b"/> (same first dimension, this rank's
    /// shard) from every rank, in rank order, with one collective: the labels and predictions of the
    /// global batch, for the metrics.
    /// </summary>
    internal (Tensor a, Tensor b) Gather(Tensor a, Tensor b, int[] counts)
    {
        if (Size == 1) return (a, b);
        int wa = a.Size / a.Dims[0], wb = b.Size / b.Dims[0], w = wa + wb;
        var send = new float[a.Size + b.Size];
        a.Data.CopyTo(send, 0);
        b.Data.CopyTo(send, a.Size);
        var all = Communicator.Allgather(send, counts.Select(c => c * w).ToArray());
        int total = counts.Sum();
        var da = new float[total * wa]; var db = new float[total * wb];
        for (int r = 0, offset = 0, row = 0; r < Size; offset += counts[r] * w, row += counts[r], r++)
        {
            Array.Copy(all, offset, da, row * wa, counts[r] * wa);
            Array.Copy(all, offset + counts[r] * wa, db, row * wb, counts[r] * wb);
        }
        var sa = a.Shape; sa[0] = total;
        var sb = b.Shape; sb[0] = total;
        return (new Tensor(da, sa), new Tensor(db, sb));
    }

    private static int Used(List<(Tensor w, int offset)> slots) => slots.Count == 0 ? 0 : slots[^1].offset + slots[^1].w.Size;

    /// <summary>
    /// Assigns the weights, in order, to buckets of at most <see cref="BucketFloats"/> floats (a weight
    /// larger than that gets a bucket of its own), with <paramref name="extra"/> spare floats at the end
    /// of the last bucket. Buckets are reused across steps.
    /// </summary>
    private List<(float[] bucket, List<(Tensor w, int offset)> slots)> Layout(IReadOnlyList<Tensor> weights, int extra)
    {
        var groups = new List<List<(Tensor w, int offset)>> { new() };
        int fill = 0;
        foreach (var w in weights)
        {
            if (fill > 0 && fill + w.Size > BucketFloats) { groups.Add(new()); fill = 0; }
            groups[^1].Add((w, fill));
            fill += w.Size;
        }
        var result = new List<(float[], List<(Tensor, int)>)>();
        for (int b = 0; b < groups.Count; b++)
        {
            int need = Used(groups[b]) + (b == groups.Count - 1 ? extra : 0);
            if (buckets.Count <= b) buckets.Add(new float[need]);
            else if (buckets[b].Length < need) buckets[b] = new float[need];
            result.Add((buckets[b], groups[b]));
        }
        return result;
    }
}

using NormLab.Data;

namespace NormLab;

/// <summary>One batch of a training, test or prediction pass: inputs, targets and optional per-sample weights.</summary>
internal readonly record struct DataBatch(Tensor[] X, Tensor[] Y, Tensor? SampleWeight)
{
    internal int Count => X[0].Dims[0];
}

/// <summary>
/// Where Fit, Evaluate and Predict take their batches from (Keras's data adapters): in-memory tensors
/// cut into batches, or the user's own sequence of batches (a <see cref="Dataset"/> or any IEnumerable).
/// </summary>
internal abstract class DataAdapter
{
    /// <summary>The number of batches in one pass, or null when only iterating tells.</summary>
    internal abstract int? BatchesPerPass { get; }

    /// <summary>One pass over the data.</summary>
    internal abstract IEnumerable<DataBatch> Pass();
}

/// <summary>
/// Tensors cut into batches along the first axis, reshuffled on every pass. A batch size above the
/// number of samples gives one batch of all of them (as Keras).
/// </summary>
/// <param name="x">Inputs.</param>
/// <param name="y">Targets.</param>
/// <param name="sampleWeight">Optional weight per sample.</param>
/// <param name="batchSize">Samples per batch.</param>
/// <param name="shuffle">Reshuffle on every pass.</param>
/// <param name="dropLastBelow">A last batch with fewer samples than this is skipped (distributed: one sample per rank).</param>
/// <param name="agreeOnOrder">Distributed: makes every rank use rank 0's shuffled order.</param>
internal sealed class TensorData(Tensor[] x, Tensor[] y, Tensor? sampleWeight, int batchSize, bool shuffle,
    int dropLastBelow = 1, Action<int[]>? agreeOnOrder = null) : DataAdapter
{
    private readonly int samples = x[0].Dims[0];
    private readonly int batchSize = Math.Min(batchSize, x[0].Dims[0]);

    /// <summary>The samples left out of each pass by <c>dropLastBelow</c>.</summary>
    internal int Dropped => samples % batchSize is var rest && rest > 0 && rest < dropLastBelow ? rest : 0;

    internal override int? BatchesPerPass => (samples - Dropped + batchSize - 1) / batchSize;

    internal override IEnumerable<DataBatch> Pass()
    {
        var order = shuffle ? NormLabRandom.Permutation(samples) : Enumerable.Range(0, samples).ToArray();
        if (shuffle) agreeOnOrder?.Invoke(order);
        for (int start = 0; start < samples - Dropped; start += batchSize)
        {
            int count = Math.Min(batchSize, samples - start);
            yield return new DataBatch(x.Select(t => Batches.Gather(t, order, start, count)).ToArray(), y.Select(t => Batches.Gather(t, order, start, count)).ToArray(),
                sampleWeight == null ? null : Batches.Gather(sampleWeight, order, start, count));
        }
    }
}

/// <summary>The user's batches as they come, each checked, with class weights turned into sample weights.</summary>
internal sealed class EnumerableData : DataAdapter
{
    private readonly IEnumerable<(Tensor x, Tensor y)> batches;
    private readonly IReadOnlyDictionary<int, double>? classWeight;
    private readonly string caller;

    /// <param name="batches">The batches; a <see cref="Dataset"/> must have been batched.</param>
    /// <param name="classWeight">Optional weight per class, applied to every batch.</param>
    /// <param name="caller">"Model 'name': Fit" and the like, for error messages.</param>
    internal EnumerableData(IEnumerable<(Tensor x, Tensor y)> batches, IReadOnlyDictionary<int, double>? classWeight, string caller)
    {
        ArgumentNullException.ThrowIfNull(batches);
        if (batches is Dataset { IsBatched: false })
            throw new ArgumentException($"{caller} received a Dataset of single samples; call .Batch(batchSize) on it first, as with tf.data.");
        (this.batches, this.classWeight, this.caller) = (batches, classWeight, caller);
    }

    internal override int? BatchesPerPass => batches is IReadOnlyCollection<(Tensor, Tensor)> collection ? collection.Count : null;

    internal override IEnumerable<DataBatch> Pass()
    {
        int index = 0;
        foreach (var (x, y) in batches)
        {
            if (x == null || y == null)
                throw new ArgumentException($"{caller}: batch {index} has a null {(x == null ? "x" : "y")}.");
            if (x.Rank == 0 || x.Dims[0] == 0 || y.Rank == 0 || y.Dims[0] != x.Dims[0])
                throw new ArgumentException($"{caller}: batch {index} has x of shape {Shapes.Format(x.Dims)} and y of shape {Shapes.Format(y.Dims)}; each batch needs at least one sample and the same first dimension in x and y.");
            yield return new DataBatch([x], [y], classWeight == null ? null : ClassWeights.ToSampleWeights(y, classWeight));
            index++;
        }
    }
}

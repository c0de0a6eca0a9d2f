using System.Collections;
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using NormLab.Autograd;

namespace NormLab.Data;

/// <summary>
/// A small tf.data: a lazy pipeline of (x, y) elements that Fit, Evaluate and Predict accept once batched.
/// Every method returns a new dataset; enumerating it runs the pipeline again (a new pass, a new shuffle).
/// </summary>
/// <example><code>var train = Dataset.FromTensors(x, y)
///     .Shuffle(bufferSize: 1000, seed: 1)
///     .Map((image, label) => (Augment(image), label))
///     .Batch(32)
///     .Prefetch(2);
/// model.Fit(train, epochs: 10);</code></example>
public sealed class Dataset : IEnumerable<(Tensor x, Tensor y)>
{
    private readonly Func<IEnumerable<(Tensor x, Tensor y)>> pass;

    private Dataset(Func<IEnumerable<(Tensor x, Tensor y)>> pass, bool batched) => (this.pass, IsBatched) = (pass, batched);

    /// <summary>Whether the elements are batches (after <see cref="Batch"/>), as Fit needs.</summary>
    public bool IsBatched { get; }

    /// <summary>One element per sample: row i of x with row i of y (tf.data's from_tensor_slices).</summary>
    /// <param name="x">Inputs; the first axis is the sample.</param>
    /// <param name="y">Targets with the same first dimension.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="x"/> or <paramref name="y"/> is null.</exception>
    /// <exception cref="ArgumentException">When <paramref name="x"/> or <paramref name="y"/> is a scalar or their first dimensions differ.</exception>
    public static Dataset FromTensors(Tensor x, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Rank == 0 || y.Rank == 0 || x.Dims[0] != y.Dims[0])
            throw new ArgumentException($"Dataset.FromTensors: x of shape {Shapes.Format(x.Dims)} and y of shape {Shapes.Format(y.Dims)} must have the same first dimension (the samples).");
        return new Dataset(() => Slices(x, y), batched: false);
    }

    private static IEnumerable<(Tensor x, Tensor y)> Slices(Tensor x, Tensor y)
    {
        for (int i = 0; i < x.Dims[0]; i++) yield return (Sample(x, i), Sample(y, i));
    }

    private static Tensor Sample(Tensor t, int i) => new(Batches.Rows(t, i, 1).Data, t.Shape[1..]);

    /// <summary>
    /// Shuffles through a buffer, as tf.data: the first <paramref name="bufferSize"/> elements fill it, then
    /// each output is a random buffer element replaced by the next input (a buffer as large as the data
    /// shuffles uniformly). With a seed the order of every pass is reproducible.
    /// </summary>
    /// <param name="bufferSize">Elements held at once (>= 1).</param>
    /// <param name="seed">Seed of the shuffle; null draws one from <see cref="NormLabRandom"/>.</param>
    /// <param name="reshuffleEachIteration">A different order on every pass (tf.data's default), or the same one.</param>
    /// <exception cref="ArgumentException">When <paramref name="bufferSize"/> is below 1.</exception>
    public Dataset Shuffle(int bufferSize, int? seed = null, bool reshuffleEachIteration = true)
    {
        if (bufferSize < 1) throw new ArgumentException($"Dataset.Shuffle: bufferSize must be >= 1, received {bufferSize}.");
        int baseSeed = seed ?? NormLabRandom.NextInt(0, int.MaxValue), passes = -1;
        return new Dataset(() =>
        {
            int passIndex = reshuffleEachIteration ? Interlocked.Increment(ref passes) : 0;
            return Shuffled(this, bufferSize, new Random(unchecked(baseSeed * 1_000_003 + passIndex)));
        }, IsBatched);
    }

    private static IEnumerable<(Tensor x, Tensor y)> Shuffled(Dataset source, int bufferSize, Random random)
    {
        var buffer = new List<(Tensor x, Tensor y)>(Math.Min(bufferSize, 1 << 16));
        foreach (var element in source)
        {
            if (buffer.Count < bufferSize) { buffer.Add(element); continue; }
            int pick = random.Next(buffer.Count);
            yield return buffer[pick];
            buffer[pick] = element;
        }
        while (buffer.Count > 0)
        {
            int pick = random.Next(buffer.Count);
            yield return buffer[pick];
            buffer[pick] = buffer[^1];
            buffer.RemoveAt(buffer.Count - 1);
        }
    }

    /// <summary>Stacks consecutive elements into batches of <paramref name="batchSize"/> (a new first axis).</summary>
    /// <param name="batchSize">Elements per batch (>= 1).</param>
    /// <param name="dropRemainder">Drop a last batch smaller than batchSize.</param>
    /// <exception cref="ArgumentException">When <paramref name="batchSize"/> is below 1.</exception>
    public Dataset Batch(int batchSize, bool dropRemainder = false)
    {
        if (batchSize < 1) throw new ArgumentException($"Dataset.Batch: batchSize must be >= 1, received {batchSize}.");
        return new Dataset(() => Batched(this, batchSize, dropRemainder), batched: true);
    }

    private static IEnumerable<(Tensor x, Tensor y)> Batched(Dataset source, int batchSize, bool dropRemainder)
    {
        var pending = new List<(Tensor x, Tensor y)>(Math.Min(batchSize, 1 << 16));
        foreach (var element in source)
        {
            pending.Add(element);
            if (pending.Count < batchSize) continue;
            yield return (Stack(pending.Select(e => e.x).ToList(), "x"), Stack(pending.Select(e => e.y).ToList(), "y"));
            pending.Clear();
        }
        if (pending.Count > 0 && !dropRemainder)
            yield return (Stack(pending.Select(e => e.x).ToList(), "x"), Stack(pending.Select(e => e.y).ToList(), "y"));
    }

    private static Tensor Stack(List<Tensor> elements, string part)
    {
        var shape = elements[0].Shape;
        int width = elements[0].Size;
        var data = new float[width * elements.Count];
        for (int i = 0; i < elements.Count; i++)
        {
            if (!Shapes.Equal(elements[i].Dims, shape))
                throw new ArgumentException($"Dataset.Batch: element {i} of a batch has {part} of shape {Shapes.Format(elements[i].Dims)} but the first has {Shapes.Format(shape)}; batched elements need equal shapes.");
            elements[i].Data.CopyTo(data, i * width);
        }
        return new Tensor(data, [elements.Count, .. shape]);
    }

    /// <summary>Applies <paramref name="func"/> to every element (e.g. augmentation), without recording gradients.</summary>
    /// <param name="func">Takes an element's x and y and returns the new pair; after Prefetch it runs on the prefetch thread.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="func"/> is null.</exception>
    public Dataset Map(Func<Tensor, Tensor, (Tensor x, Tensor y)> func)
    {
        ArgumentNullException.ThrowIfNull(func);
        return new Dataset(() => Mapped(this, func), IsBatched);
    }

    private static IEnumerable<(Tensor x, Tensor y)> Mapped(Dataset source, Func<Tensor, Tensor, (Tensor x, Tensor y)> func)
    {
        foreach (var (x, y) in source)
        {
            (Tensor x, Tensor y) mapped;
            using (Tape.NoGrad()) mapped = func(x, y);
            if (mapped.x == null || mapped.y == null) throw new InvalidOperationException("Dataset.Map: the function returned a null x or y.");
            yield return mapped;
        }
    }

    /// <summary>
    /// Prepares up to <paramref name="bufferSize"/> elements ahead on a background thread while the
    /// consumer works; the elements and their order are those of the dataset without it. An exception
    /// in the pipeline is rethrown to the consumer; stopping early stops the thread.
    /// </summary>
    /// <param name="bufferSize">Elements prepared ahead (>= 1).</param>
    /// <exception cref="ArgumentException">When <paramref name="bufferSize"/> is below 1.</exception>
    public Dataset Prefetch(int bufferSize)
    {
        if (bufferSize < 1) throw new ArgumentException($"Dataset.Prefetch: bufferSize must be >= 1, received {bufferSize}.");
        return new Dataset(() => Prefetched(this, bufferSize), IsBatched);
    }

    private static IEnumerable<(Tensor x, Tensor y)> Prefetched(Dataset source, int bufferSize)
    {
        using var queue = new BlockingCollection<(Tensor x, Tensor y)>(bufferSize);
        using var stop = new CancellationTokenSource();
        ExceptionDispatchInfo? failure = null;
        var producer = new Thread(() =>
        {
            try
            {
                foreach (var element in source) queue.Add(element, stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
            catch (Exception e) { failure = ExceptionDispatchInfo.Capture(e); }
            finally { queue.CompleteAdding(); }
        }) { IsBackground = true, Name = "NormLab Dataset.Prefetch" };
        producer.Start();
        try
        {
            foreach (var element in queue.GetConsumingEnumerable()) yield return element;
            failure?.Throw();
        }
        finally
        {
            stop.Cancel();
            producer.Join();
        }
    }

    /// <summary>Repeats the dataset <paramref name="count"/> times, or forever with -1 (tf.data's repeat()).</summary>
    /// <param name="count">Passes (>= 0), or -1 for endless.</param>
    /// <exception cref="ArgumentException">When <paramref name="count"/> is below -1.</exception>
    public Dataset Repeat(int count = -1)
    {
        if (count < -1) throw new ArgumentException($"Dataset.Repeat: count must be >= 0, or -1 for endless, received {count}.");
        return new Dataset(() => Repeated(this, count), IsBatched);
    }

    private static IEnumerable<(Tensor x, Tensor y)> Repeated(Dataset source, int count)
    {
        for (int i = 0; count == -1 || i < count; i++)
        {
            bool any = false;
            foreach (var element in source) { any = true; yield return element; }
            if (!any) yield break; // an empty dataset repeated forever is still empty
        }
    }

    /// <inheritdoc/>
    public IEnumerator<(Tensor x, Tensor y)> GetEnumerator() => pass().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

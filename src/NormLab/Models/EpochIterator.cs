namespace NormLab;

/// <summary>
/// The batches of each epoch (Keras's EpochIterator). Without stepsPerEpoch an epoch is one pass. With it,
/// the iterator carries on across epochs where the last one stopped; data of a known length starts a new
/// pass once it is used up (an epoch meeting the end is cut short), and data of unknown length that runs
/// out interrupts training, as in Keras.
/// </summary>
internal sealed class EpochIterator(DataAdapter data, int? stepsPerEpoch)
{
    private IEnumerator<DataBatch>? current;
    private int seen;

    /// <summary>Steps per epoch, when known (for the progress bar).</summary>
    internal int? Steps => stepsPerEpoch ?? data.BatchesPerPass;

    /// <summary>Set when data of unknown length ran out before stepsPerEpoch steps.</summary>
    internal bool RanOut { get; private set; }

    internal IEnumerable<DataBatch> Epoch()
    {
        if (stepsPerEpoch is not int steps)
        {
            foreach (var batch in data.Pass()) yield return batch;
            yield break;
        }
        for (int step = 0; step < steps; step++)
        {
            if (current == null) (current, seen) = (data.Pass().GetEnumerator(), 0);
            if (!current.MoveNext())
            {
                Restart();
                RanOut = data.BatchesPerPass == null;
                yield break;
            }
            seen++;
            yield return current.Current;
            if (seen == data.BatchesPerPass && step + 1 < steps) { Restart(); yield break; }
        }
        if (seen == data.BatchesPerPass) Restart();
    }

    private void Restart()
    {
        current?.Dispose();
        current = null;
    }

    /// <summary>Stops a background producer (Prefetch) left running by stepsPerEpoch.</summary>
    internal void Close() => Restart();
}

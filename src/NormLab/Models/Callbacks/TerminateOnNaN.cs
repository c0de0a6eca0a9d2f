namespace NormLab.Callbacks;

/// <summary>Stops training as soon as a step's loss is NaN or infinite, naming the epoch and the batch.</summary>
public sealed class TerminateOnNaN : Callback
{
    private int epoch;

    /// <summary>The epoch (0-based) of the step whose loss was not finite, or -1.</summary>
    public int StoppedEpoch { get; private set; } = -1;

    /// <summary>The step within <see cref="StoppedEpoch"/> (0-based), or -1.</summary>
    public int StoppedBatch { get; private set; } = -1;

    /// <inheritdoc/>
    public override void OnTrainBegin() => (StoppedEpoch, StoppedBatch) = (-1, -1);

    /// <inheritdoc/>
    public override void OnEpochBegin(int epoch) => this.epoch = epoch;

    /// <inheritdoc/>
    public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, double> logs)
    {
        if (!logs.TryGetValue("loss", out var loss) || double.IsFinite(loss)) return;
        (StoppedEpoch, StoppedBatch) = (epoch, batch);
        Console.WriteLine($"Epoch {epoch + 1}, batch {batch}: invalid loss {loss}, terminating training");
        Model!.StopTraining = true;
    }
}

namespace NormLab.Callbacks;

/// <summary>Hooks into <c>Fit</c>. Override what you need; <see cref="Model"/> is set when training starts.</summary>
public abstract class Callback
{
    /// <summary>The model being trained.</summary>
    public Model? Model { get; internal set; }

    /// <summary>Before the first epoch.</summary>
    public virtual void OnTrainBegin() { }
    /// <summary>After the last epoch.</summary>
    public virtual void OnTrainEnd() { }
    /// <summary>Before each epoch (0-based).</summary>
    public virtual void OnEpochBegin(int epoch) { }
    /// <summary>After each epoch with its logs (loss, metrics, val_*).</summary>
    public virtual void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) { }
    /// <summary>After each training step (0-based within the epoch) with the running logs.</summary>
    public virtual void OnBatchEnd(int batch, IReadOnlyDictionary<string, double> logs) { }
}

/// <summary>A callback from plain functions, like keras.callbacks.LambdaCallback.</summary>
public sealed class LambdaCallback(
    Action<int, IReadOnlyDictionary<string, double>>? onEpochEnd = null,
    Action<int, IReadOnlyDictionary<string, double>>? onBatchEnd = null,
    Action<int>? onEpochBegin = null, Action? onTrainBegin = null, Action? onTrainEnd = null) : Callback
{
    /// <inheritdoc/>
    public override void OnTrainBegin() => onTrainBegin?.Invoke();
    /// <inheritdoc/>
    public override void OnTrainEnd() => onTrainEnd?.Invoke();
    /// <inheritdoc/>
    public override void OnEpochBegin(int epoch) => onEpochBegin?.Invoke(epoch);
    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) => onEpochEnd?.Invoke(epoch, logs);
    /// <inheritdoc/>
    public override void OnBatchEnd(int batch, IReadOnlyDictionary<string, double> logs) => onBatchEnd?.Invoke(batch, logs);
}

/// <summary>Stops training as soon as the loss becomes NaN or infinite.</summary>
public sealed class TerminateOnNaN : Callback
{
    /// <inheritdoc/>
    public override void OnBatchEnd(int batch, IReadOnlyDictionary<string, double> logs)
    {
        if (logs.TryGetValue("loss", out var loss) && !double.IsFinite(loss))
        {
            Console.WriteLine($"Batch {batch}: invalid loss, terminating training");
            Model!.StopTraining = true;
        }
    }
}

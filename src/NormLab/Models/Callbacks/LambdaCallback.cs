namespace NormLab.Callbacks;

/// <summary>A callback from plain functions, like keras.callbacks.LambdaCallback.</summary>
/// <param name="onEpochEnd">Called with the epoch and its logs.</param>
/// <param name="onBatchEnd">Called after each training step with the batch and the logs.</param>
/// <param name="onEpochBegin">Called with the epoch.</param>
/// <param name="onTrainBegin">Called before training.</param>
/// <param name="onTrainEnd">Called after training.</param>
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

namespace NormLab.Callbacks;

/// <summary>
/// Hooks into <c>Fit</c>, <c>Evaluate</c> and <c>Predict</c> (keras.callbacks.Callback). Override what you
/// need; <see cref="Model"/> and <see cref="Params"/> are set before the first hook. Batches and epochs are 0-based.
/// </summary>
public abstract class Callback
{
    /// <summary>The model being trained, tested or run.</summary>
    public Model? Model { get; internal set; }

    /// <summary>Keras's <c>callback.params</c>: the epochs, steps per epoch and verbosity of the current Fit.</summary>
    public TrainingParams? Params { get; internal set; }

    /// <summary>Before the first epoch.</summary>
    public virtual void OnTrainBegin() { }
    /// <summary>After the last epoch.</summary>
    public virtual void OnTrainEnd() { }
    /// <summary>Before each epoch.</summary>
    /// <param name="epoch">The 0-based epoch index (counted from Fit's initialEpoch).</param>
    public virtual void OnEpochBegin(int epoch) { }
    /// <summary>After each epoch with its logs (loss, metrics, val_* on epochs that validated).</summary>
    /// <param name="logs">The metric values by name ("loss", metric names, "val_"-prefixed ones after validation).</param>
    /// <param name="epoch">The 0-based epoch index (counted from Fit's initialEpoch).</param>
    public virtual void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) { }
    /// <summary>Before each training step.</summary>
    /// <param name="batch">The 0-based batch index within the epoch or the run.</param>
    public virtual void OnTrainBatchBegin(int batch) { }
    /// <summary>After each training step with the epoch's running logs, "loss" being this step's loss; calls <see cref="OnBatchEnd"/>.</summary>
    /// <param name="batch">The 0-based batch index within the epoch or the run.</param>
    /// <param name="logs">The metric values by name ("loss", metric names, "val_"-prefixed ones after validation).</param>
    public virtual void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, double> logs) => OnBatchEnd(batch, logs);
    /// <summary>Keras's older name for <see cref="OnTrainBatchEnd"/>, called by its default implementation.</summary>
    /// <param name="batch">The 0-based batch index within the epoch or the run.</param>
    /// <param name="logs">The metric values by name ("loss", metric names, "val_"-prefixed ones after validation).</param>
    public virtual void OnBatchEnd(int batch, IReadOnlyDictionary<string, double> logs) { }
    /// <summary>Before Evaluate, and before the validation of each epoch that validates.</summary>
    public virtual void OnTestBegin() { }
    /// <summary>After Evaluate (or validation) with its logs (without the val_ prefix).</summary>
    /// <param name="logs">The test metric values by name, without the val_ prefix.</param>
    public virtual void OnTestEnd(IReadOnlyDictionary<string, double> logs) { }
    /// <summary>Before each test batch.</summary>
    /// <param name="batch">The 0-based batch index within the epoch or the run.</param>
    public virtual void OnTestBatchBegin(int batch) { }
    /// <summary>After each test batch with the running logs.</summary>
    /// <param name="batch">The 0-based batch index within the epoch or the run.</param>
    /// <param name="logs">The metric values by name ("loss", metric names, "val_"-prefixed ones after validation).</param>
    public virtual void OnTestBatchEnd(int batch, IReadOnlyDictionary<string, double> logs) { }
    /// <summary>Before Predict.</summary>
    public virtual void OnPredictBegin() { }
    /// <summary>After Predict.</summary>
    public virtual void OnPredictEnd() { }
    /// <summary>Before each prediction batch.</summary>
    /// <param name="batch">The 0-based batch index within the epoch or the run.</param>
    public virtual void OnPredictBatchBegin(int batch) { }
    /// <summary>After each prediction batch with its outputs.</summary>
    /// <param name="outputs">The model's outputs for this batch (the first output of a multi-output model).</param>
    /// <param name="batch">The 0-based batch index within the epoch or the run.</param>
    public virtual void OnPredictBatchEnd(int batch, Tensor outputs) { }
}

/// <summary>What a Fit tells its callbacks (Keras's <c>callback.params</c>).</summary>
/// <param name="Epochs">The <c>epochs</c> argument of Fit.</param>
/// <param name="Steps">Training steps per epoch, or null when the data's length is unknown.</param>
/// <param name="Verbose">The <c>verbose</c> argument of Fit.</param>
public sealed record TrainingParams(int Epochs, int? Steps, int Verbose);

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
    public virtual void OnEpochBegin(int epoch) { }
    /// <summary>After each epoch with its logs (loss, metrics, val_* on epochs that validated).</summary>
    public virtual void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) { }
    /// <summary>Before each training step.</summary>
    public virtual void OnTrainBatchBegin(int batch) { }
    /// <summary>After each training step with the epoch's running logs, "loss" being this step's loss; calls <see cref="OnBatchEnd"/>.</summary>
    public virtual void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, double> logs) => OnBatchEnd(batch, logs);
    /// <summary>Keras's older name for <see cref="OnTrainBatchEnd"/>, called by its default implementation.</summary>
    public virtual void OnBatchEnd(int batch, IReadOnlyDictionary<string, double> logs) { }
    /// <summary>Before Evaluate, and before the validation of each epoch that validates.</summary>
    public virtual void OnTestBegin() { }
    /// <summary>After Evaluate (or validation) with its logs (without the val_ prefix).</summary>
    public virtual void OnTestEnd(IReadOnlyDictionary<string, double> logs) { }
    /// <summary>Before each test batch.</summary>
    public virtual void OnTestBatchBegin(int batch) { }
    /// <summary>After each test batch with the running logs.</summary>
    public virtual void OnTestBatchEnd(int batch, IReadOnlyDictionary<string, double> logs) { }
    /// <summary>Before Predict.</summary>
    public virtual void OnPredictBegin() { }
    /// <summary>After Predict.</summary>
    public virtual void OnPredictEnd() { }
    /// <summary>Before each prediction batch.</summary>
    public virtual void OnPredictBatchBegin(int batch) { }
    /// <summary>After each prediction batch with its outputs.</summary>
    public virtual void OnPredictBatchEnd(int batch, Tensor outputs) { }
}

/// <summary>What a Fit tells its callbacks (Keras's <c>callback.params</c>).</summary>
/// <param name="Epochs">The <c>epochs</c> argument of Fit.</param>
/// <param name="Steps">Training steps per epoch, or null when the data's length is unknown.</param>
/// <param name="Verbose">The <c>verbose</c> argument of Fit.</param>
public sealed record TrainingParams(int Epochs, int? Steps, int Verbose);

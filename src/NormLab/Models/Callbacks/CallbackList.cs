namespace NormLab.Callbacks;

/// <summary>
/// The callbacks of one Fit, Evaluate or Predict, called in order (Keras's CallbackList). For Fit a
/// <see cref="NormLab.History"/> and, when verbose, a <see cref="ProgbarLogger"/> are appended unless given.
/// </summary>
internal sealed class CallbackList
{
    private readonly List<Callback> callbacks;

    internal CallbackList(Model model, IEnumerable<Callback>? callbacks, TrainingParams? fit = null)
    {
        this.callbacks = (callbacks ?? []).ToList();
        if (this.callbacks.Any(c => c == null)) throw new ArgumentException($"Model '{model.Name}': the callbacks contain null.");
        if (fit != null)
        {
            History = this.callbacks.OfType<History>().FirstOrDefault() ?? Add(new History());
            if (fit.Verbose > 0 && !this.callbacks.OfType<ProgbarLogger>().Any()) Add(new ProgbarLogger());
        }
        foreach (var callback in this.callbacks) (callback.Model, callback.Params) = (model, fit ?? callback.Params);
    }

    /// <summary>The History that Fit returns.</summary>
    internal History? History { get; }

    private T Add<T>(T callback) where T : Callback
    {
        callbacks.Add(callback);
        return callback;
    }

    internal void OnTrainBegin() => callbacks.ForEach(c => c.OnTrainBegin());
    internal void OnTrainEnd() => callbacks.ForEach(c => c.OnTrainEnd());
    internal void OnEpochBegin(int epoch) => callbacks.ForEach(c => c.OnEpochBegin(epoch));
    internal void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) => callbacks.ForEach(c => c.OnEpochEnd(epoch, logs));
    internal void OnTrainBatchBegin(int batch) => callbacks.ForEach(c => c.OnTrainBatchBegin(batch));
    internal void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, double> logs) => callbacks.ForEach(c => c.OnTrainBatchEnd(batch, logs));
    internal void OnTestBegin() => callbacks.ForEach(c => c.OnTestBegin());
    internal void OnTestEnd(IReadOnlyDictionary<string, double> logs) => callbacks.ForEach(c => c.OnTestEnd(logs));
    internal void OnTestBatchBegin(int batch) => callbacks.ForEach(c => c.OnTestBatchBegin(batch));
    internal void OnTestBatchEnd(int batch, IReadOnlyDictionary<string, double> logs) => callbacks.ForEach(c => c.OnTestBatchEnd(batch, logs));
    internal void OnPredictBegin() => callbacks.ForEach(c => c.OnPredictBegin());
    internal void OnPredictEnd() => callbacks.ForEach(c => c.OnPredictEnd());
    internal void OnPredictBatchBegin(int batch) => callbacks.ForEach(c => c.OnPredictBatchBegin(batch));
    internal void OnPredictBatchEnd(int batch, Tensor outputs) => callbacks.ForEach(c => c.OnPredictBatchEnd(batch, outputs));
}

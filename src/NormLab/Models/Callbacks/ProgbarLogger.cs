namespace NormLab.Callbacks;

/// <summary>
/// Prints Keras's per-epoch progress (keras.callbacks.ProgbarLogger): a bar on verbose 1, one line per
/// epoch on verbose 2, following Fit's <c>verbose</c>. Fit adds one itself when verbose is not 0.
/// </summary>
public sealed class ProgbarLogger : Callback
{
    private ProgressBar? bar;

    private int Verbose => Params?.Verbose ?? 1;

    /// <inheritdoc/>
    public override void OnEpochBegin(int epoch)
    {
        ProgressBar.EpochHeader(Verbose, epoch, Params?.Epochs ?? epoch + 1);
        bar = new ProgressBar(Verbose, Params?.Steps);
    }

    /// <inheritdoc/>
    public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, double> logs) => bar?.Update(batch + 1, logs);

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) => bar?.Finish(logs);
}

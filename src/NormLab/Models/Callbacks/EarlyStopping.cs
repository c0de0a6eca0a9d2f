namespace NormLab.Callbacks;

/// <summary>
/// Stops training when the monitored value has not improved for <c>patience</c> epochs (keras.callbacks.EarlyStopping).
/// With restoreBestWeights, the weights of the best epoch are put back when training ends, stopped early or not.
/// </summary>
/// <param name="monitor">The log to watch.</param>
/// <param name="minDelta">The least change that counts as an improvement.</param>
/// <param name="patience">Epochs without improvement before stopping (0 acts as 1, as in Keras).</param>
/// <param name="mode">"auto", "min" or "max".</param>
/// <param name="restoreBestWeights">Put the best epoch's weights back at the end of training.</param>
/// <param name="baseline">A value the monitor must beat: until it does, the patience counter keeps running.</param>
/// <param name="startFromEpoch">Epochs of warm-up during which nothing is monitored.</param>
/// <param name="verbose">1 prints the epoch training stopped at and the weights restored.</param>
public sealed class EarlyStopping(string monitor = "val_loss", double minDelta = 0, int patience = 0, string mode = "auto",
    bool restoreBestWeights = false, double? baseline = null, int startFromEpoch = 0, int verbose = 0) : Callback
{
    private readonly Monitor tracker = new("EarlyStopping", monitor, mode, minDelta);
    private readonly int patience = patience >= 0 ? patience : throw new ArgumentException($"EarlyStopping: patience must be >= 0, received {patience}.");
    private readonly int startFromEpoch = startFromEpoch >= 0 ? startFromEpoch : throw new ArgumentException($"EarlyStopping: startFromEpoch must be >= 0, received {startFromEpoch}.");
    private readonly double? baseline = baseline is double b && double.IsNaN(b) ? throw new ArgumentException("EarlyStopping: baseline must be a number or null, received NaN.") : baseline;
    private int wait, bestEpoch;
    private Tensor[]? bestWeights;

    /// <summary>The epoch (0-based) training stopped at, or -1.</summary>
    public int StoppedEpoch { get; private set; } = -1;

    /// <inheritdoc/>
    public override void OnTrainBegin()
    {
        // As Keras: every Fit starts afresh, so one instance can be reused.
        tracker.Best = tracker.Worst;
        (wait, bestEpoch, bestWeights, StoppedEpoch) = (0, 0, null, -1);
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (tracker.Value(logs) is not double current)
        {
            Console.WriteLine(tracker.Missing("EarlyStopping", logs));
            return;
        }
        if (epoch < startFromEpoch) return;
        if (restoreBestWeights && bestWeights == null) (bestWeights, bestEpoch) = (Model!.GetWeights(), epoch);
        // Keras's counting: patience p stops at the p-th epoch in a row without improvement (p = 0 acts as 1).
        wait++;
        if (tracker.IsImprovement(current, tracker.Best))
        {
            (tracker.Best, bestEpoch) = (current, epoch);
            if (restoreBestWeights) bestWeights = Model!.GetWeights();
            // Only an epoch that also beats the baseline restarts the count.
            if (baseline is not double reference || tracker.IsImprovement(current, reference)) wait = 0;
            return;
        }
        if (wait < patience || epoch == 0) return;
        StoppedEpoch = epoch;
        Model!.StopTraining = true;
    }

    /// <inheritdoc/>
    public override void OnTrainEnd()
    {
        if (StoppedEpoch > 0 && verbose > 0) Console.WriteLine($"Epoch {StoppedEpoch + 1}: early stopping");
        if (!restoreBestWeights || bestWeights == null) return;
        if (verbose > 0) Console.WriteLine($"Restoring model weights from the end of the best epoch: {bestEpoch + 1}.");
        Model!.SetWeights(bestWeights);
    }
}

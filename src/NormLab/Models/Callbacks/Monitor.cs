namespace NormLab.Callbacks;

/// <summary>Tracks the best value of a monitored log ("val_loss" by default); mode "auto" maximizes accuracies.</summary>
internal sealed class Monitor
{
    private readonly bool maximize;
    private readonly double minDelta;

    internal Monitor(string key, string mode, double minDelta)
    {
        Key = key;
        this.minDelta = Math.Abs(minDelta);
        maximize = mode switch
        {
            "max" => true,
            "min" => false,
            "auto" => key.Contains("acc") || key.Contains("auc"),
            _ => throw new ArgumentException($"Callback: mode must be 'auto', 'min' or 'max', received '{mode}'."),
        };
        Best = maximize ? double.NegativeInfinity : double.PositiveInfinity;
    }

    internal string Key { get; }
    internal double Best { get; private set; }

    /// <summary>Whether <paramref name="logs"/> improve on the best so far (and records it); null when the key is missing.</summary>
    internal bool? Improves(IReadOnlyDictionary<string, double> logs)
    {
        if (!logs.TryGetValue(Key, out var value)) return null;
        bool better = maximize ? value - minDelta > Best : value + minDelta < Best;
        if (better) Best = value;
        return better;
    }
}

/// <summary>
/// Stops training when the monitored value has not improved for <c>patience</c> epochs (keras.callbacks.EarlyStopping).
/// With restoreBestWeights, the weights of the best epoch are put back when training ends, stopped early or not.
/// </summary>
public sealed class EarlyStopping(string monitor = "val_loss", double minDelta = 0, int patience = 0, string mode = "auto",
    bool restoreBestWeights = false) : Callback
{
    private Monitor tracker = new(monitor, mode, minDelta);
    private int wait;
    private Tensor[]? bestWeights;

    /// <summary>The epoch (0-based) training stopped at, or -1.</summary>
    public int StoppedEpoch { get; private set; } = -1;

    /// <inheritdoc/>
    public override void OnTrainBegin()
    {
        // As Keras: every Fit starts afresh, so one instance can be reused.
        tracker = new Monitor(monitor, mode, minDelta);
        wait = 0;
        bestWeights = null;
        StoppedEpoch = -1;
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        var improved = tracker.Improves(logs);
        if (improved == null)
        {
            Console.WriteLine($"EarlyStopping: '{tracker.Key}' is not in the logs (available: {string.Join(", ", logs.Keys)}); skipping.");
            return;
        }
        if (restoreBestWeights && bestWeights == null) bestWeights = Model!.GetWeights();
        // Keras's counting: patience p stops at the p-th epoch in a row without improvement (p = 0 acts as 1).
        wait++;
        if (improved.Value)
        {
            wait = 0;
            if (restoreBestWeights) bestWeights = Model!.GetWeights();
            return;
        }
        if (wait < patience || epoch == 0) return;
        StoppedEpoch = epoch;
        Model!.StopTraining = true;
    }

    /// <inheritdoc/>
    public override void OnTrainEnd()
    {
        if (restoreBestWeights && bestWeights != null) Model!.SetWeights(bestWeights);
    }
}

/// <summary>
/// Saves the model after each epoch (or only when the monitored value improves, with saveBestOnly).
/// "{epoch}" in the path is replaced by the 1-based epoch number. In distributed training only rank 0 saves.
/// </summary>
public sealed class ModelCheckpoint(string filepath, string monitor = "val_loss", bool saveBestOnly = false, string mode = "auto") : Callback
{
    private readonly Monitor tracker = new(monitor, mode, 0);

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (saveBestOnly && tracker.Improves(logs) != true) return;
        if (Model!.IsNonRootReplica) return; // distributed: only rank 0 writes
        Model.Save(filepath.Replace("{epoch}", (epoch + 1).ToString()));
    }
}

namespace NormLab.Callbacks;

/// <summary>
/// Multiplies the learning rate by <c>factor</c> when the monitored value has not improved for
/// <c>patience</c> epochs (keras.callbacks.ReduceLROnPlateau), then waits <c>cooldown</c> epochs before
/// counting again; never below <c>minLr</c>. Adds "learning_rate" to the epoch's logs, as Keras.
/// </summary>
/// <param name="monitor">The log to watch.</param>
/// <param name="factor">The multiplier, in (0, 1) (0 is refused: NormLab's learning rates are > 0).</param>
/// <param name="patience">Epochs without improvement before reducing.</param>
/// <param name="verbose">1 prints each reduction.</param>
/// <param name="mode">"auto", "min" or "max".</param>
/// <param name="minDelta">The least change that counts as an improvement.</param>
/// <param name="cooldown">Epochs after a reduction during which no plateau is counted.</param>
/// <param name="minLr">The lowest learning rate.</param>
public sealed class ReduceLROnPlateau(string monitor = "val_loss", double factor = 0.1, int patience = 10, int verbose = 0,
    string mode = "auto", double minDelta = 1e-4, int cooldown = 0, double minLr = 0) : Callback
{
    private readonly Monitor tracker = new("ReduceLROnPlateau", monitor, mode, minDelta);
    private readonly double factor = factor is > 0 and < 1 ? factor
        : throw new ArgumentException($"ReduceLROnPlateau: factor must be in (0, 1) (a factor >= 1 would not reduce), received {factor}.");
    private readonly int patience = patience >= 0 ? patience : throw new ArgumentException($"ReduceLROnPlateau: patience must be >= 0, received {patience}.");
    private readonly int cooldown = cooldown >= 0 ? cooldown : throw new ArgumentException($"ReduceLROnPlateau: cooldown must be >= 0, received {cooldown}.");
    private readonly double minLr = minLr >= 0 && double.IsFinite(minLr) ? minLr : throw new ArgumentException($"ReduceLROnPlateau: minLr must be finite and >= 0, received {minLr}.");
    private int wait, cooldownCounter;

    /// <inheritdoc/>
    public override void OnTrainBegin()
    {
        tracker.Best = tracker.Worst;
        (wait, cooldownCounter) = (0, 0);
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        var optimizer = Model!.Optimizer!;
        // Keras writes the learning rate into the epoch's logs, so History and CSVLogger record it.
        if (logs is IDictionary<string, double> writable) writable["learning_rate"] = optimizer.LearningRate;
        if (tracker.Value(logs) is not double current)
        {
            Console.WriteLine(tracker.Missing("ReduceLROnPlateau", logs));
            return;
        }
        if (cooldownCounter > 0) (cooldownCounter, wait) = (cooldownCounter - 1, 0);
        if (tracker.IsImprovement(current, tracker.Best))
        {
            (tracker.Best, wait) = (current, 0);
            return;
        }
        if (cooldownCounter > 0 || ++wait < patience) return;
        double old = optimizer.LearningRate;
        if (old <= (float)minLr) return;
        double reduced = Math.Max(old * factor, minLr);
        optimizer.LearningRate = reduced;
        if (verbose > 0) Console.WriteLine($"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {reduced}.");
        (cooldownCounter, wait) = (cooldown, 0);
    }
}

using NormLab.Saving;

namespace NormLab.Callbacks;

/// <summary>
/// Saves the model after each epoch, or only when the monitored value improves with saveBestOnly
/// (keras.callbacks.ModelCheckpoint). The path's fields are filled as Keras does: <c>{epoch:02d}</c> the
/// 1-based epoch, <c>{val_loss:.2f}</c> any log value (Python format specs [0][width][.precision][d|f]).
/// Files are written atomically; in distributed training only rank 0 saves.
/// </summary>
/// <example><code>new ModelCheckpoint("ckpt/model-{epoch:02d}-{val_loss:.2f}.normlab", saveBestOnly: true)</code></example>
public sealed class ModelCheckpoint : Callback
{
    private readonly PathTemplate path;
    private readonly Monitor tracker;
    private readonly bool saveBestOnly, saveWeightsOnly;
    private readonly int verbose;
    private readonly double? initialValueThreshold;

    /// <summary>Creates the callback; arguments and defaults follow keras.callbacks.ModelCheckpoint.</summary>
    /// <param name="filepath">Where to save, with optional fields such as {epoch:02d} and {val_loss:.2f}.</param>
    /// <param name="monitor">The log that decides the best model.</param>
    /// <param name="saveBestOnly">Save only when the monitored value improves on the best so far.</param>
    /// <param name="mode">"auto", "min" or "max".</param>
    /// <param name="saveWeightsOnly">Save only the weights (a safetensors file, every weight in model order) instead of the whole model.</param>
    /// <param name="verbose">1 prints a line for each save.</param>
    /// <param name="initialValueThreshold">With saveBestOnly: the value the first saved epoch must beat.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="filepath"/> or <paramref name="monitor"/> is null.</exception>
    /// <exception cref="ArgumentException">When <paramref name="filepath"/> is empty or has a malformed field, <paramref name="mode"/> is not "auto", "min" or "max", or <paramref name="initialValueThreshold"/> is NaN.</exception>
    public ModelCheckpoint(string filepath, string monitor = "val_loss", bool saveBestOnly = false, string mode = "auto",
        bool saveWeightsOnly = false, int verbose = 0, double? initialValueThreshold = null)
    {
        path = new PathTemplate(filepath, "ModelCheckpoint: filepath");
        tracker = new Monitor("ModelCheckpoint", monitor, mode, 0);
        (this.saveBestOnly, this.saveWeightsOnly, this.verbose, this.initialValueThreshold) = (saveBestOnly, saveWeightsOnly, verbose, initialValueThreshold);
        if (initialValueThreshold is double t && double.IsNaN(t))
            throw new ArgumentException("ModelCheckpoint: initialValueThreshold must be a number or null, received NaN.");
    }

    /// <summary>The file written last, or null.</summary>
    public string? LastSaved { get; private set; }

    /// <inheritdoc/>
    public override void OnTrainBegin() => tracker.Best = initialValueThreshold ?? tracker.Worst;

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        string file = path.Expand(epoch, logs);
        if (saveBestOnly)
        {
            double previous = tracker.Best;
            var improved = tracker.Improves(logs);
            if (improved == null) Console.WriteLine($"ModelCheckpoint: can save the best model only with '{tracker.Key}' available; skipping.");
            if (improved != true) return;
            if (verbose > 0) Console.WriteLine($"Epoch {epoch + 1}: {tracker.Key} improved from {previous} to {tracker.Best}, saving model to {file}");
        }
        else if (verbose > 0) Console.WriteLine($"Epoch {epoch + 1}: saving model to {file}");
        if (Model!.IsNonRootReplica) return; // distributed: only rank 0 writes
        if (saveWeightsOnly) SaveWeights(Model, file);
        else Model.Save(file);
        LastSaved = file;
    }

    private static void SaveWeights(Model model, string file)
    {
        var weights = model.Weights.Select((w, i) => ($"{i:D4}:{w.Name}", w)).ToList();
        AtomicFile.Write(file, stream => SafeTensors.Write(stream, weights));
    }
}

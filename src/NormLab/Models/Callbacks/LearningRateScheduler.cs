namespace NormLab.Callbacks;

/// <summary>
/// Sets the learning rate at the start of every epoch to <c>schedule(epoch, currentLearningRate)</c>
/// (keras.callbacks.LearningRateScheduler); adds "learning_rate" to the epoch's logs, as Keras.
/// </summary>
/// <example><code>new LearningRateScheduler((epoch, lr) => epoch &lt; 10 ? lr : lr * Math.Exp(-0.1))</code></example>
/// <param name="schedule">Takes the 0-based epoch and the current learning rate, returns the new one (finite and > 0).</param>
/// <param name="verbose">1 prints each change.</param>
public sealed class LearningRateScheduler(Func<int, double, double> schedule, int verbose = 0) : Callback
{
    private readonly Func<int, double, double> schedule = schedule ?? throw new ArgumentNullException(nameof(schedule));

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">When the schedule returns a rate that is not finite and &gt; 0.</exception>
    public override void OnEpochBegin(int epoch)
    {
        var optimizer = Model!.Optimizer!;
        double rate = schedule(epoch, optimizer.LearningRate);
        if (!(rate > 0) || double.IsInfinity(rate))
            throw new ArgumentException($"LearningRateScheduler: the schedule returned {rate} for epoch {epoch}; a learning rate must be finite and > 0.");
        optimizer.LearningRate = rate;
        if (verbose > 0) Console.WriteLine($"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {rate}.");
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (logs is IDictionary<string, double> writable) writable["learning_rate"] = Model!.Optimizer!.LearningRate;
    }
}

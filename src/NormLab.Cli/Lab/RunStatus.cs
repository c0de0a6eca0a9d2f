namespace NormLab.Cli.Lab;

/// <summary>How a run ended: only <see cref="Trained"/> runs enter the means and the comparisons.</summary>
internal enum RunStatus
{
    /// <summary>Finished every epoch with a finite loss and learned something (not <see cref="Collapsed"/>).</summary>
    Trained,
    /// <summary>The training loss became NaN or infinite (or a normalization met non-finite statistics).</summary>
    Diverged,
    /// <summary>Finished with a finite loss but at chance level: see <see cref="RunClassification"/>.</summary>
    Collapsed,
    /// <summary>Recorded fewer epochs than asked for without diverging: the lab itself stops a run early only when it
    /// diverges, so this marks a history cut short otherwise (an edited file, another tool's), never averaged in.</summary>
    Stopped,
}

/// <summary>
/// The rule that sorts a run into a <see cref="RunStatus"/>, from its history alone. With K classes, chance level
/// is an accuracy of 1/K. In order: <b>diverged</b> if any training loss was non-finite; <b>stopped</b> if fewer
/// epochs were recorded than asked for; <b>collapsed</b> if the final epoch was at chance level, that is its test
/// accuracy (after the epoch) or its training accuracy (the mean over the whole epoch) was at most 1/K +
/// <see cref="AccuracyMargin"/>; else <b>trained</b>. A model that predicts one class with confidence (loss 16,
/// accuracy 1/K) and one that never left the uniform prediction (loss ln K, accuracy 1/K) both collapse.
/// The mean training loss is not a criterion: averaged over an epoch that starts from random weights it exceeds
/// ln K in short runs that learned (56% test accuracy with a mean loss of 2.49 on 10 classes, 200 images).
/// </summary>
internal static class RunClassification
{
    /// <summary>An accuracy this close to 1/K (absolute, 5 points) counts as chance: 15% with 10 classes.</summary>
    internal const double AccuracyMargin = 0.05;

    internal static RunStatus Classify(RunResult run, int classes, int epochs)
    {
        if (run.Diverged || run.EpochLoss.Any(l => !double.IsFinite(l))) return RunStatus.Diverged;
        if (run.EpochLoss.Count < epochs || run.EpochTestAccuracy.Count < epochs) return RunStatus.Stopped;
        double chance = 1.0 / classes + AccuracyMargin;
        return run.TestAccuracy <= chance || run.EpochTrainAccuracy[^1] <= chance ? RunStatus.Collapsed : RunStatus.Trained;
    }

    /// <summary>Why a run is not <see cref="RunStatus.Trained"/>, in a few words: "collapsed to chance level: test accuracy 10.0%, ...".</summary>
    internal static string Reason(RunResult run, RunStatus status) => status switch
    {
        RunStatus.Diverged => "diverged: the loss became NaN or infinite",
        RunStatus.Stopped => $"stopped after {run.EpochTestAccuracy.Count} epoch(s)",
        RunStatus.Collapsed => FormattableString.Invariant(
            $"collapsed to chance level: test accuracy {run.TestAccuracy * 100:F1}%, training accuracy {run.EpochTrainAccuracy[^1] * 100:F1}%, training loss {run.FinalTrainLoss:F2}"),
        _ => "trained",
    };
}

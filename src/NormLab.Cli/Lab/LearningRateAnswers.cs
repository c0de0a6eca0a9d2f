namespace NormLab.Cli.Lab;

/// <summary>The result statements of the studies that sweep the learning rate (learning-rate, transformer), computed from the runs.</summary>
internal static class LearningRateAnswers
{
    private static string Display(string norm) => NormalizationCatalog.Get(norm).Display;

    /// <summary>The cell of <paramref name="sweep"/> at <paramref name="rate"/>, or null.</summary>
    private static CellSummary? At(ComparisonResult result, LearningRateSweep sweep, double rate) => result.Cells.FirstOrDefault(c => sweep.Holds(c) && c.LearningRate == rate);

    /// <summary>"81.2% ± 1.1 (95% CI)", or "no run trained (seed 42 diverged: ...)".</summary>
    private static string Accuracy(CellSummary c) => c.Trained == 0 ? $"no run trained ({string.Join("; ", c.NotTrained)})" : Findings.Accuracy(c);

    /// <summary>
    /// At the largest learning rate where every seed of <paramref name="sweep"/> trained, its test accuracy against
    /// <paramref name="reference"/>'s there, paired by seed: ". At learning rate 0.1, BatchNorm 85.0% ... against None's ...: within noise (...)".
    /// </summary>
    private static string AccuracyAgainst(ComparisonResult result, LearningRateSweep sweep, LearningRateSweep reference)
    {
        if (sweep.LargestTrained is not { } rate || At(result, sweep, rate) is not { } cell || At(result, reference, rate) is not { } other) return "";
        return $" At learning rate {OptimizerChoice.Format(rate)}, the largest where it trained, its test accuracy was {Findings.Accuracy(cell)} against " +
            $"{Display(reference.Norm)}'s {Accuracy(other)}; the difference is {PairedDifference.OfAccuracy(result, cell, other).Verdict()}.";
    }

    /// <summary>Per optimizer and normalization: the largest learning rate at which every seed trained, the failures,
    /// the LR sensitivity and, against no normalization, the paired differences of the sensitivity and of the test accuracy.</summary>
    internal static List<string> LearningRate(ComparisonResult result)
    {
        var sweeps = LearningRateSweep.Of(result);
        if (sweeps.Count == 0) return ["Fewer than two learning rates were measured: nothing to answer yet."];
        return AgainstReference(result, sweeps, "none");
    }

    /// <summary>Each sweep described against the sweep of <paramref name="referenceNorm"/> with the same placement, batch size and optimizer.</summary>
    private static List<string> AgainstReference(ComparisonResult result, List<LearningRateSweep> sweeps, string referenceNorm) =>
        sweeps.Select(sweep => sweep.Sibling(sweeps, referenceNorm) is var reference && reference != null && reference != sweep
            ? sweep.Describe(reference) + AccuracyAgainst(result, sweep, reference)
            : sweep.Describe(reference)).ToList();

    /// <summary>
    /// Per placement and normalization: its sweep against LayerNorm's (the reference of both placements); then per
    /// normalization, pre- against post-norm: the paired difference of the sensitivity and of the test accuracy at the
    /// largest learning rate (post-norm is the placement said to need warmup, which the lab does not use).
    /// </summary>
    internal static List<string> Transformer(ComparisonResult result)
    {
        var sweeps = LearningRateSweep.Of(result);
        if (sweeps.Count == 0) return ["Fewer than two learning rates were measured: nothing to answer yet."];
        var answer = AgainstReference(result, sweeps, "layer");
        foreach (var pre in sweeps.Where(s => s.Placement == "pre" && s.Norm != "none"))
        {
            if (sweeps.FirstOrDefault(s => s.Norm == pre.Norm && s.Placement == "post" && s.BatchSize == pre.BatchSize && s.Optimizer == pre.Optimizer) is not { } post) continue;
            double highest = pre.LearningRates[^1];
            string accuracy = At(result, pre, highest) is { } a && At(result, post, highest) is { } b
                ? $"; at learning rate {OptimizerChoice.Format(highest)}, pre {Accuracy(a)}, post {Accuracy(b)}, pre minus post " +
                  (a.Trained > 0 && b.Trained > 0 ? PairedDifference.OfAccuracy(result, a, b).Verdict() : "not comparable")
                : "";
            answer.Add($"{Display(pre.Norm)}, pre- against post-norm: LR sensitivity pre minus post {pre.Against(post).Verdict("nats", 3)}{accuracy}.");
        }
        return answer;
    }
}

using System.Globalization;

namespace NormLab.Cli.Lab;

/// <summary>Plain-language statements computed from the numbers of a comparison (nothing canned).</summary>
internal static class Findings
{
    private static string Pct(double v) => (v * 100).ToString("F1", CultureInfo.InvariantCulture) + "%";
    internal static string Pts(double v) => (v * 100).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture) + " points";
    private static string Display(string key) => NormalizationCatalog.Get(key).Display;

    /// <summary>"84.1% ± 1.2 (95% CI)", with "2 of 3 runs trained" when some did not.</summary>
    internal static string Accuracy(CellSummary c) =>
        Pct(c.TestAccuracy.Mean) + (double.IsFinite(c.TestAccuracy.HalfWidth) ? $" ± {(c.TestAccuracy.HalfWidth * 100).ToString("F1", CultureInfo.InvariantCulture)} (95% CI)" : "")
        + (c.Trained < c.Runs ? $", {c.Trained} of {c.Runs} runs trained" : "");

    /// <summary>
    /// The findings: which runs trained, then each comparison with its paired t-test over the seeds (a difference
    /// is called real only when p &lt; 0.05, "within noise" otherwise, not judged with one seed). With a depth
    /// axis, the findings of each depth on their own, each starting "Depth N: ".
    /// </summary>
    internal static List<string> Compute(ComparisonResult result)
    {
        var depths = result.Depths;
        if (!depths.Any(d => d != null)) return AtOneDepth(result);
        return depths.SelectMany(d => AtOneDepth(result.AtDepth(d)).Select(f => $"Depth {d}: {f}")).ToList();
    }

    private static List<string> AtOneDepth(ComparisonResult result)
    {
        var findings = new List<string>();
        var notTrained = result.NotTrained;
        if (notTrained.Count > 0)
            findings.Add($"{result.Runs.Count - notTrained.Count} of {result.Runs.Count} runs trained; the means and comparisons leave out: {string.Join("; ", notTrained)}.");
        var cells = result.Cells.Where(c => c.Trained > 0 && double.IsFinite(c.TestAccuracy.Mean)).ToList();
        if (cells.Count == 0)
        {
            findings.Add("No run trained, so nothing can be compared.");
            return findings;
        }
        if (result.Settings.Seeds == 1)
            findings.Add("With one seed per configuration, no difference between configurations can be judged: the run-to-run noise is unknown. " +
                "Use --seeds 3 or more (normlab study runs several) for a paired comparison.");
        var batches = cells.Select(c => c.BatchSize).Distinct().Order().ToList();
        var placements = cells.Select(c => c.Placement).Distinct().ToList();

        var recipes = cells.Select(c => (c.Optimizer, c.LearningRate)).Distinct().ToList();
        foreach (var (optimizer, rate) in recipes)
            CompareNorms(result, cells.Where(c => c.Optimizer == optimizer && c.LearningRate == rate).ToList(),
                recipes.Count > 1 ? OptimizerChoice.Label(optimizer, rate) : null, findings);

        // Cost at the largest batch size: CPU seconds per epoch (robust to other load on the machine) when measured,
        // else wall-clock seconds, relative to no normalization (or to the fastest).
        // The learning rate does not change the cost of a step: the first optimizer and learning rate stand for all.
        var timing = cells.Where(c => c.BatchSize == batches[^1] && c.Placement == placements[0] && c.Optimizer == recipes[0].Optimizer && c.LearningRate == recipes[0].LearningRate).ToList();
        bool cpu = timing.All(c => double.IsFinite(c.CpuSecondsPerEpoch.Mean));
        double Cost(CellSummary c) => cpu ? c.CpuSecondsPerEpoch.Mean : c.SecondsPerEpoch.Mean;
        timing = timing.OrderBy(Cost).ToList();
        if (timing.Count > 1)
        {
            var reference = timing.FirstOrDefault(c => c.Norm == "none") ?? timing[0];
            var slowest = timing[^1];
            var fastest = timing[0];
            string unit = cpu ? " CPU s" : " s";
            string F(double s) => s.ToString("F1", CultureInfo.InvariantCulture) + unit;
            string cost = slowest == reference
                ? $"every normalization cost less than {Display(reference.Norm)} here, so their cost is within the measurement noise"
                : $"{((Cost(slowest) / Cost(reference) - 1) * 100).ToString("+0;-0;0", CultureInfo.InvariantCulture)}% against {Display(reference.Norm)}";
            findings.Add($"At batch size {batches[^1]}, {Display(fastest.Norm)} was cheapest ({F(Cost(fastest))} per epoch) and {Display(slowest.Norm)} most expensive ({F(Cost(slowest))}; {cost}).");
        }

        double target = result.Settings.TargetAccuracy;
        var reached = cells.Where(c => c.ReachedTarget > 0).OrderBy(c => c.EpochsToTarget.Mean).ThenByDescending(c => c.TestAccuracy.Mean).ToList();
        findings.Add(reached.Count == 0
            ? $"No configuration reached the target test accuracy of {Pct(target)} within {result.Settings.Epochs} epoch(s)."
            : $"{reached.Count} of {cells.Count} configurations reached {Pct(target)} test accuracy; first was {Display(reached[0].Norm)} at batch size {reached[0].BatchSize}" +
              (recipes.Count > 1 ? $" with {reached[0].Training}" : "") + " " +
              $"after {reached[0].EpochsToTarget.Mean.ToString("0.#", CultureInfo.InvariantCulture)} epoch(s).");

        findings.AddRange(LocalVsSynchronized(result));
        findings.AddRange(LearningRateSweep.Findings(result));
        return findings;
    }

    /// <summary>The findings among cells of one optimizer and learning rate (<paramref name="training"/> names them when several were run):
    /// the best normalization per placement and batch size, the batch-size sensitivity and the placement effect.</summary>
    private static void CompareNorms(ComparisonResult result, List<CellSummary> cells, string? training, List<string> findings)
    {
        var batches = cells.Select(c => c.BatchSize).Distinct().Order().ToList();
        var placements = cells.Select(c => c.Placement).Distinct().ToList();

        foreach (var placement in placements)
        {
            var parts = new[] { placements.Count > 1 ? PlacementPhrase(placement) : null, training }.OfType<string>().ToList();
            string where = parts.Count > 0 ? $" ({string.Join("; ", parts)})" : "";
            foreach (int batch in batches.Count > 1 ? new[] { batches[0], batches[^1] } : new[] { batches[0] })
            {
                var at = cells.Where(c => c.Placement == placement && c.BatchSize == batch).OrderByDescending(c => c.TestAccuracy.Mean).ToList();
                if (at.Count < 2) continue;
                var best = at[0];
                var runnerUp = at[1];
                string size = batches.Count == 1 ? "batch size " : batch == batches[0] ? "the smallest batch size, " : "the largest batch size, ";
                findings.Add($"At {size}{batch}{where}, {Display(best.Norm)} had the highest mean test accuracy ({Accuracy(best)}), " +
                    $"{Pts(best.TestAccuracy.Mean - runnerUp.TestAccuracy.Mean)} ahead of {Display(runnerUp.Norm)} ({Accuracy(runnerUp)}): " +
                    $"{PairedDifference.OfAccuracy(result, best, runnerUp).Verdict()}.");
                var none = at.FirstOrDefault(c => c.Norm == "none");
                if (none != null && best.Norm != "none" && none != runnerUp)
                    findings.Add($"At batch size {batch}{where}, {Display(best.Norm)} against no normalization: {Pts(best.TestAccuracy.Mean - none.TestAccuracy.Mean)}, " +
                        $"{PairedDifference.OfAccuracy(result, best, none).Verdict()}.");
            }

            if (batches.Count > 1)
            {
                // Sensitivity to the batch size: the accuracy lost from the largest to the smallest batch, paired by
                // seed (seed k trains both on the same data order from the same initial weights). Only normalizations
                // measured at both ends (an unfinished run may lack some).
                var drops = cells.Where(c => c.Placement == placement).GroupBy(c => c.Norm)
                    .Where(g => g.Any(c => c.BatchSize == batches[0]) && g.Any(c => c.BatchSize == batches[^1])).Select(g =>
                    {
                        var small = g.First(c => c.BatchSize == batches[0]);
                        var large = g.First(c => c.BatchSize == batches[^1]);
                        return (norm: g.Key, drop: large.TestAccuracy.Mean - small.TestAccuracy.Mean, test: PairedDifference.OfAccuracy(result, small, large));
                    }).OrderByDescending(d => d.drop).ToList();
                if (drops.Count < 2) continue;
                var worst = drops[0];
                var steadiest = drops.MinBy(d => Math.Abs(d.drop));
                findings.Add(worst.drop > 0
                    ? $"Going from batch size {batches[^1]} to {batches[0]}{where}, {Display(worst.norm)} lost the most mean test accuracy ({Pts(-worst.drop)}: {worst.test.Verdict()}); " +
                      $"{Display(steadiest.norm)} changed least ({Pts(-steadiest.drop)}: {steadiest.test.Verdict()})."
                    : $"No normalization lost mean test accuracy going from batch size {batches[^1]} to {batches[0]}{where}; smaller batches meant more steps per epoch " +
                      $"({Display(drops[^1].norm)} gained most, {Pts(-drops[^1].drop)}: {drops[^1].test.Verdict()}).");
            }
        }

        if (placements.Count > 1)
        {
            var effects = cells.GroupBy(c => (c.Norm, c.BatchSize)).Where(g => g.Count() == 2 && g.Key.Norm != "none")
                .Select(g =>
                {
                    var first = g.First(c => c.Placement == placements[0]);
                    var second = g.First(c => c.Placement == placements[1]);
                    return (g.Key.Norm, g.Key.BatchSize, delta: first.TestAccuracy.Mean - second.TestAccuracy.Mean, test: PairedDifference.OfAccuracy(result, first, second));
                })
                .ToList();
            if (effects.Count > 0)
            {
                int wins = effects.Count(e => e.delta > 0);
                int realWins = effects.Count(e => e.test.Real && e.test.Difference.Mean > 0), realLosses = effects.Count(e => e.test.Real && e.test.Difference.Mean < 0);
                var largest = effects.MaxBy(e => Math.Abs(e.delta));
                string judged = result.Settings.Seeds == 1 ? "with one seed, none of them can be judged"
                    : $"{realWins} of them real by the paired t-test, {realLosses} real the other way, the rest within noise";
                findings.Add($"{(training == null ? "" : $"With {training}, ")}{Capitalized(PlacementPhrase(placements[0]))} had the higher mean test accuracy than {PlacementPhrase(placements[1])} in {wins} of {effects.Count} comparisons " +
                    $"({judged}); the largest difference was {Display(largest.Norm)} at batch size {largest.BatchSize} ({Pts(largest.delta)} for {placements[0]}: {largest.test.Verdict()}).");
            }
        }

    }

    /// <summary>Local ("batch") and synchronized ("batch-sync") batch norm measured at the same global batch and placement.</summary>
    internal static List<(CellSummary Local, CellSummary Sync)> SyncPairs(ComparisonResult result)
    {
        if (!result.Settings.Distributed) return [];
        var cells = result.Cells.Where(c => double.IsFinite(c.TestAccuracy.Mean)).ToList();
        return cells.Where(c => c.Norm == "batch")
            .Select(local => (Local: local, Sync: cells.FirstOrDefault(c => c.Norm == "batch-sync" && c.Placement == local.Placement && c.BatchSize == local.BatchSize)))
            .Where(p => p.Sync != null).Select(p => (p.Local, p.Sync!)).OrderBy(p => p.Local.Placement).ThenBy(p => p.Local.BatchSize).ToList();
    }

    /// <summary>"Local or synchronized batch norm across K replicas": computed from the paired cells of a distributed comparison.</summary>
    internal static List<string> LocalVsSynchronized(ComparisonResult result)
    {
        var pairs = SyncPairs(result);
        if (pairs.Count == 0) return [];
        var s = result.Settings;
        int k = s.Replicas;
        string At(CellSummary c) => $"global batch {c.BatchSize} ({s.PerReplica(c.BatchSize)} per replica)";
        var findings = new List<string>();
        var deltas = pairs.Select(p => (p.Local, p.Sync, delta: p.Sync.TestAccuracy.Mean - p.Local.TestAccuracy.Mean)).ToList();
        int syncWins = deltas.Count(d => d.delta > 0.0005), localWins = deltas.Count(d => d.delta < -0.0005);
        var largest = deltas.MaxBy(d => Math.Abs(d.delta));
        // Counts of means only: whether a difference is real is the paired test's, in the last of these findings.
        string verdict = syncWins > localWins ? "synchronized batch norm had the higher mean test accuracy more often"
            : localWins > syncWins ? "local batch norm had the higher mean test accuracy more often"
            : "neither local nor synchronized batch norm had the higher mean test accuracy more often";
        findings.Add($"Across {k} replicas, {verdict}: synchronized ahead at {syncWins}, local ahead at {localWins} of {deltas.Count} batch size(s); " +
            $"the largest difference was at {At(largest.Local)}: {Pct(largest.Sync.TestAccuracy.Mean)} synchronized against {Pct(largest.Local.TestAccuracy.Mean)} local ({Pts(largest.delta)} for synchronized).");
        if (deltas.Count > 1)
        {
            var smallest = deltas.MinBy(d => d.Local.BatchSize);
            var biggest = deltas.MaxBy(d => d.Local.BatchSize);
            findings.Add($"At the smallest per-replica batch, {s.PerReplica(smallest.Local.BatchSize)} (global {smallest.Local.BatchSize}), synchronizing changed test accuracy by {Pts(smallest.delta)}; " +
                $"at the largest, {s.PerReplica(biggest.Local.BatchSize)} (global {biggest.Local.BatchSize}), by {Pts(biggest.delta)}.");
        }
        var lossGap = deltas.Where(d => double.IsFinite(d.Local.FinalTrainLoss.Mean) && double.IsFinite(d.Sync.FinalTrainLoss.Mean)).ToList();
        if (lossGap.Count > 0)
        {
            int lower = lossGap.Count(d => d.Sync.FinalTrainLoss.Mean < d.Local.FinalTrainLoss.Mean);
            findings.Add($"Synchronized batch norm ended with the lower final training loss at {lower} of {lossGap.Count} batch size(s) " +
                $"(mean difference {(lossGap.Average(d => d.Sync.FinalTrainLoss.Mean - d.Local.FinalTrainLoss.Mean)).ToString("+0.0000;-0.0000;0.0000", CultureInfo.InvariantCulture)} synchronized minus local).");
        }
        findings.Add($"The largest local-vs-synchronized difference, at {At(largest.Local)}, is {PairedDifference.OfAccuracy(result, largest.Sync, largest.Local).Verdict()}.");
        return findings;
    }

    /// <summary>"normalization before the activation" for the CNN/MLP placements, "post-norm" etc. for the transformer ones.</summary>
    private static string PlacementPhrase(string placement) => placement is "before" or "after"
        ? $"normalization {placement} the activation"
        : $"{placement}-norm residual blocks";

    private static string Capitalized(string text) => char.ToUpperInvariant(text[0]) + text[1..];
}

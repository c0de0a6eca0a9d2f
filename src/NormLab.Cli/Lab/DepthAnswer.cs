namespace NormLab.Cli.Lab;

/// <summary>
/// The result of `normlab study depth` ("Does normalization matter more in deeper networks?"), computed from the runs:
/// per depth (and per placement, batch size, optimizer and learning rate when it measures several) each normalization against none, paired by seed; per normalization how many runs trained at each depth; and
/// whether the paired gap grows with depth, as the slope of each seed's gap against depth with its 95% interval over seeds.
/// </summary>
internal static class DepthAnswer
{
    /// <summary>The slope is given per this many layers, so that it reads in whole points.</summary>
    internal const int SlopeLayers = 10;

    internal static List<string> Of(ComparisonResult result)
    {
        var answer = new List<string>();
        var cells = result.Cells.Where(c => c.Depth != null).ToList();
        var depths = cells.Select(c => c.Depth!.Value).Distinct().Order().ToList();
        if (depths.Count == 0) return ["No depth was measured yet: nothing to answer."];
        bool several = cells.Select(c => (c.Placement, c.BatchSize, c.Optimizer, c.LearningRate)).Distinct().Count() > 1;
        foreach (var group in cells.GroupBy(c => (c.Placement, c.BatchSize, c.Optimizer, c.LearningRate)))
        {
            // Said once per setting only when the study measures several.
            string where = several ? $" (batch size {group.Key.BatchSize}, {group.Key.Placement} the activation" +
                (result.Settings.SweepsTraining ? $", {group.First().Training})" : ")") : "";
            var none = group.Where(c => c.Norm == "none").ToDictionary(c => c.Depth!.Value);
            foreach (var norm in result.Settings.Norms.Where(n => n != "none"))
            {
                var at = group.Where(c => c.Norm == norm).ToDictionary(c => c.Depth!.Value);
                foreach (int depth in depths)
                {
                    if (!at.TryGetValue(depth, out var with) || !none.TryGetValue(depth, out var without)) continue;
                    string verdict = with.Trained > 0 && without.Trained > 0
                        ? $"; {Display(norm)} minus none is {PairedDifference.OfAccuracy(result, with, without).Verdict()}" : "";
                    answer.Add($"Depth {depth}{where}: {Display(norm)} {Accuracy(with)} against {Accuracy(without)} without normalization{verdict}.");
                }
                if (at.Count > 0 && none.Count > 0) answer.Add(Trend(result, norm, at, none, where));
            }
            var trainedByDepth = group.GroupBy(c => c.Norm).Select(g =>
                $"{Display(g.Key)} {string.Join(", ", depths.Select(d => g.FirstOrDefault(c => c.Depth == d) is { } c ? $"{c.Trained}/{c.Runs}" : "—"))}");
            answer.Add($"Runs that trained at depths {string.Join(", ", depths)}{where}: {string.Join("; ", trainedByDepth)}.");
        }
        return answer;
    }

    /// <summary>
    /// Whether <paramref name="norm"/>'s paired gap over none grows with depth: each seed's gap (test accuracy with the
    /// normalization minus without, at every depth where both trained) fitted by least squares against depth, the slopes'
    /// mean with its 95% t-interval over the seeds, and the t-test of a zero slope.
    /// </summary>
    private static string Trend(ComparisonResult result, string norm, Dictionary<int, CellSummary> at, Dictionary<int, CellSummary> none, string where)
    {
        var gaps = new Dictionary<int, List<(double Depth, double Gap)>>();
        foreach (var (depth, with) in at)
        {
            if (!none.TryGetValue(depth, out var without)) continue;
            var withBySeed = PairedDifference.TrainedBySeed(result, with);
            foreach (var (seed, run) in PairedDifference.TrainedBySeed(result, without))
                if (withBySeed.TryGetValue(seed, out var normalized))
                    (gaps.TryGetValue(seed, out var list) ? list : gaps[seed] = []).Add((depth, 100 * (normalized.TestAccuracy - run.TestAccuracy)));
        }
        var slopes = gaps.Values.Where(g => g.Select(p => p.Depth).Distinct().Count() >= 2).Select(g => SlopeLayers * Slope(g)).ToList();
        string head = $"Trend{where}: {Display(norm)} minus none against depth (each seed's paired gap fitted by a line over the depths where both trained)";
        if (slopes.Count == 0) return $"{head}: not measurable, no seed trained both at two depths or more.";
        var (interval, p) = PairedStatistics.PairedTTest(slopes, new double[slopes.Count]);
        var slope = new PairedDifference(interval, p);
        string trend = !slope.Real ? "no trend that this many seeds can tell from noise"
            : interval.Mean > 0 ? "the gap grows with depth" : "the gap shrinks with depth";
        return $"{head}: {trend}; the slope is {slope.Verdict($"points per {SlopeLayers} layers")}.";
    }

    /// <summary>The least-squares slope of gap against depth.</summary>
    internal static double Slope(IReadOnlyList<(double Depth, double Gap)> points)
    {
        double meanDepth = points.Average(p => p.Depth), meanGap = points.Average(p => p.Gap);
        return points.Sum(p => (p.Depth - meanDepth) * (p.Gap - meanGap)) / points.Sum(p => (p.Depth - meanDepth) * (p.Depth - meanDepth));
    }

    private static string Accuracy(CellSummary c) => c.Trained == 0 ? $"no run trained ({string.Join("; ", c.NotTrained)})" : Findings.Accuracy(c);

    private static string Display(string norm) => NormalizationCatalog.Get(norm).Display;
}

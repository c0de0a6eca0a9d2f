using System.Globalization;

namespace NormLab.Cli.Lab;

/// <summary>
/// The difference of one measure between two cells of a comparison, paired by seed over the seeds that trained
/// in both (seed k gives both the same data order and initial draws), with the paired t-test's verdict.
/// </summary>
/// <param name="Difference">The mean of the per-seed differences (first cell minus second) and its 95% t-interval.</param>
/// <param name="PValue">The two-sided p-value of the paired t-test; NaN with fewer than two pairs.</param>
internal sealed record PairedDifference(Interval Difference, double PValue)
{
    /// <summary>The p-value below which a difference is called real.</summary>
    internal const double Significance = 0.05;

    /// <summary>The number of seeds that trained in both cells.</summary>
    internal int Pairs => Difference.Count;

    /// <summary>Whether the paired t-test over at least two seeds says the difference is not noise (p &lt; 0.05).</summary>
    internal bool Real => Pairs >= 2 && PValue < Significance;

    /// <summary><paramref name="measure"/> of cell <paramref name="a"/> minus that of <paramref name="b"/>, per seed trained in both.</summary>
    internal static PairedDifference Of(ComparisonResult result, CellSummary a, CellSummary b, Func<RunResult, double> measure)
    {
        var first = TrainedBySeed(result, a);
        var second = TrainedBySeed(result, b);
        var seeds = first.Keys.Intersect(second.Keys).Order().ToList();
        if (seeds.Count == 0) return new(new Interval(double.NaN, double.NaN, 0), double.NaN);
        var (difference, p) = PairedStatistics.PairedTTest(seeds.Select(s => measure(first[s])).ToList(), seeds.Select(s => measure(second[s])).ToList());
        return new(difference, p);
    }

    /// <summary>Test accuracy in percentage points, the measure of most findings.</summary>
    internal static PairedDifference OfAccuracy(ComparisonResult result, CellSummary a, CellSummary b) => Of(result, a, b, r => 100 * r.TestAccuracy);

    /// <summary>The trained runs of <paramref name="cell"/>, by seed.</summary>
    internal static Dictionary<int, RunResult> TrainedBySeed(ComparisonResult result, CellSummary cell) => result.Runs
        .Where(r => cell.Holds(r) && result.StatusOf(r) == RunStatus.Trained)
        .GroupBy(r => r.Seed).ToDictionary(g => g.Key, g => g.First());

    /// <summary>
    /// "a real difference (paired over 3 seeds: +2.1 points, 95% CI [+0.4, +3.8], p = 0.031)", "within noise (...)",
    /// "not judged, one seed" (the findings say once why), or "not comparable" without a common trained seed.
    /// </summary>
    /// <param name="unit">The unit of the measure.</param>
    /// <param name="decimals">The decimals of the difference and its interval.</param>
    internal string Verdict(string unit = "points", int decimals = 1)
    {
        if (Pairs == 0) return "not comparable: no seed trained in both";
        string digits = "0." + new string('0', decimals);
        string F(double v) => v.ToString($"+{digits};-{digits};{digits}", CultureInfo.InvariantCulture);
        if (Pairs == 1) return "not judged, one seed";
        string numbers = $"paired over {Pairs} seeds: {F(Difference.Mean)} {unit}, 95% CI [{F(Difference.Low)}, {F(Difference.High)}], p = {P(PValue)}";
        return Real ? $"a real difference ({numbers})" : $"within noise ({numbers})";
    }

    private static string P(double p) => p < 0.001 ? "< 0.001" : p.ToString("0.###", CultureInfo.InvariantCulture);
}

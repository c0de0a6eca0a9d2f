using System.Text;
using static NormLab.Cli.Lab.SvgChart;

namespace NormLab.Cli.Lab;

/// <summary>
/// The report's "Test accuracy against depth" section (--depths): per placement, batch size, optimizer and learning rate, one line per
/// normalization through its mean test accuracy at each depth, with the 95% interval as error bars.
/// </summary>
internal static class DepthSection
{
    internal static void Append(StringBuilder html, ComparisonResult result, Func<string, string> colorOf)
    {
        var cells = result.Cells.Where(c => c.Depth != null).ToList();
        if (cells.Count == 0) return;
        bool seeds = result.Settings.Seeds > 1;
        var depths = cells.Select(c => c.Depth!.Value).Distinct().Order().ToList();
        html.Append("<h2>Test accuracy against depth</h2><p class=\"note\">Plain networks (no shortcuts) of each depth, that many normalized hidden layers; ")
            .Append(seeds ? "means over the trained runs with their 95% t-interval; the paired differences against no normalization are in the result and the findings."
                : "one seed, so no error bars.")
            .Append("</p><div class=\"row\">");
        bool training = result.Settings.SweepsTraining;
        foreach (var group in cells.GroupBy(c => (c.Placement, c.BatchSize, c.Optimizer, c.LearningRate)))
        {
            var series = group.GroupBy(c => c.Norm).Select(g => new LineSeries(NormalizationCatalog.Get(g.Key).Display, colorOf(g.Key),
                    depths.Select(d => ((double)d, 100 * (g.FirstOrDefault(c => c.Depth == d)?.TestAccuracy.Mean ?? double.NaN))).ToList(),
                    seeds ? depths.Select(d => g.FirstOrDefault(c => c.Depth == d)?.TestAccuracy.HalfWidth ?? double.NaN)
                        .Select(h => double.IsFinite(h) ? 100 * h : 0).ToList() : null))
                .ToList();
            var (placement, batch, optimizer, rate) = group.Key;
            html.Append(Line($"depth-{placement}-b{batch}{(training ? OptimizerChoice.Id(optimizer, rate) : "")}",
                $"Test accuracy by depth, batch {batch}, {placement} activation{(training ? ", " + group.First().Training : "")}, {result.Settings.Epochs} epoch(s)",
                "depth (normalized hidden layers)", "test accuracy (%)", series, integerX: true));
        }
        html.Append("</div>");
    }
}

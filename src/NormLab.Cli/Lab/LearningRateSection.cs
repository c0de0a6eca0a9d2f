using System.Globalization;
using System.Text;
using static NormLab.Cli.Lab.SvgChart;

namespace NormLab.Cli.Lab;

/// <summary>
/// The report's learning-rate part (with two or more --learning-rates): test accuracy against the learning rate per
/// normalization with 95% error bars over the seeds, a table of each sweep (accuracy at each rate, failures, the
/// largest rate at which every seed trained, the LR sensitivity) and the findings of <see cref="LearningRateSweep"/>.
/// The chart's numbers are the JSON's "summary", the table's its "learning_rate_sweeps".
/// </summary>
internal static class LearningRateSection
{
    /// <param name="html">The report so far.</param>
    /// <param name="result">The comparison.</param>
    /// <param name="heading">The section's question.</param>
    internal static void Append(StringBuilder html, ComparisonResult result, string heading = "Which normalization tolerates high learning rates?")
    {
        var sweeps = LearningRateSweep.Of(result);
        if (sweeps.Count == 0) return;
        var s = result.Settings;
        var norms = s.Norms.ToList();
        string ColorOf(string norm) => Palette[Math.Max(0, norms.IndexOf(norm)) % Palette.Length];
        string Display(string norm) => NormalizationCatalog.Get(norm).Display;
        var rates = sweeps.SelectMany(w => w.LearningRates).Distinct().Order().ToList();
        var cells = result.Cells;
        bool depths = sweeps.Any(w => w.Depth != null);
        html.Append($"<h2 id=\"learning-rate\">{Esc(heading)}</h2><p class=\"note\">Each normalization trained at every learning rate, seed k from the same ")
            .Append("initial weights and data order at each. Test accuracy is the mean over the trained runs (error bars: 95% t-interval); a rate where no seed trained ")
            .Append("has no point. The LR sensitivity is Wortsman et al.'s (2023): the mean over the rates of min(final test loss, test loss before training) minus the ")
            .Append("best final test loss, in nats; lower is more tolerant. ")
            .Append(s.Seeds > 1 ? "Which differences are real is the paired t-test's to say, in the findings below." : "With one seed no difference can be told from noise.")
            .Append("</p><ul class=\"findings\">");
        foreach (var finding in LearningRateSweep.Findings(result)) html.Append($"<li>{Esc(finding)}</li>");
        html.Append("</ul><table><thead><tr><th>normalization</th><th>placement</th><th>batch size</th>").Append(depths ? "<th>depth</th>" : "").Append("<th>optimizer</th>");
        foreach (double rate in rates) html.Append($"<th>test accuracy % at {OptimizerChoice.Format(rate)}</th>");
        html.Append("<th>diverged</th><th>collapsed</th><th>every seed trained up to</th><th>LR sensitivity (nats)</th></tr></thead><tbody>");
        foreach (var w in sweeps)
        {
            html.Append($"<tr><td><span class=\"swatch\" style=\"background:{ColorOf(w.Norm)}\"></span>{Esc(Display(w.Norm))}</td><td>{w.Placement}</td>")
                .Append($"<td class=\"num\">{w.BatchSize}</td>").Append(depths ? $"<td class=\"num\">{w.Depth}</td>" : "")
                .Append($"<td>{Esc(OptimizerChoice.Display(w.Optimizer))}</td>");
            foreach (double rate in rates)
            {
                var c = cells.FirstOrDefault(c => w.Holds(c) && c.LearningRate == rate);
                html.Append(c == null ? "<td class=\"num\">—</td>" : $"<td class=\"num{(c.Trained < c.Runs ? " failed" : "")}\">{Accuracy(c)}</td>");
            }
            html.Append($"<td class=\"num\">{w.Diverged} of {w.Runs}</td><td class=\"num\">{w.Collapsed} of {w.Runs}</td>")
                .Append($"<td class=\"num\">{(w.LargestTrained is { } largest ? OptimizerChoice.Format(largest) : "none")}</td>")
                .Append($"<td class=\"num\">{Esc(w.Sensitivity.Count == 0 ? "—" : Interval(w.Sensitivity))}</td></tr>");
        }
        html.Append("</tbody></table><div class=\"row\">");
        foreach (var group in sweeps.GroupBy(w => (w.Placement, w.BatchSize, w.Depth, w.Optimizer)))
        {
            var series = group.Select(w =>
            {
                var at = w.LearningRates.Select(rate => cells.First(c => w.Holds(c) && c.LearningRate == rate)).ToList();
                return new LineSeries(Display(w.Norm), ColorOf(w.Norm), at.Select(c => (c.LearningRate, 100 * c.TestAccuracy.Mean)).ToList(),
                    at.Select(c => double.IsFinite(c.TestAccuracy.HalfWidth) ? 100 * c.TestAccuracy.HalfWidth : 0).ToList());
            }).ToList();
            var (placement, batch, depth, optimizer) = group.Key;
            html.Append(Line($"learning-rate-{placement}-b{batch}{(depth == null ? "" : $"-d{depth}")}-{optimizer}",
                $"Test accuracy by learning rate, {OptimizerChoice.Display(optimizer)}, {placement}, batch {batch}{(depth == null ? "" : $", depth {depth}")}",
                "learning rate (log10 scale)", "test accuracy (%)", series, logBase: 10));
        }
        html.Append("</div>");
    }

    /// <summary>"81.20 ± 1.10", with "(2/3 trained)" when some seeds did not.</summary>
    private static string Accuracy(CellSummary c) =>
        (c.Trained == 0 ? "—" : (100 * c.TestAccuracy.Mean).ToString("F2", CultureInfo.InvariantCulture) +
            (double.IsFinite(c.TestAccuracy.HalfWidth) ? " ± " + (100 * c.TestAccuracy.HalfWidth).ToString("F2", CultureInfo.InvariantCulture) : "")) +
        (c.Trained < c.Runs ? $" ({c.Trained}/{c.Runs} trained)" : "");

    private static string Interval(Interval i) => i.Mean.ToString("F3", CultureInfo.InvariantCulture) +
        (double.IsFinite(i.HalfWidth) ? " ± " + i.HalfWidth.ToString("F3", CultureInfo.InvariantCulture) : "");
}

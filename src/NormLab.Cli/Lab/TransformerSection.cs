using System.Globalization;
using System.Text;
using static NormLab.Cli.Lab.SvgChart;

namespace NormLab.Cli.Lab;

/// <summary>
/// The report's "Which normalization for a transformer?" section (--arch vit and transformer): test accuracy per
/// normalization and placement, training-loss curves per normalization and placement, and computed findings; with
/// several learning rates, per optimizer and learning rate, then the learning-rate stability part ("which tolerates
/// high learning rates without warmup?": the lab trains at a constant learning rate, with no warmup).
/// </summary>
internal static class TransformerSection
{
    internal static void Append(StringBuilder html, ComparisonResult result)
    {
        if (!Architectures.IsTransformer(result.Settings.Arch)) return;
        var cells = result.Cells;
        var norms = cells.Select(c => c.Norm).Distinct().ToList();
        var placements = cells.Select(c => c.Placement).Distinct().ToList();
        string Display(string norm) => NormalizationCatalog.Get(norm).Display;
        html.Append("<h2>Which normalization for a transformer?</h2><p class=\"note\">Post-LN normalizes the residual stream after each block ")
            .Append("(Vaswani et al.), pre-LN each branch's input (the ViT/GPT-2 default), sandwich also each branch's output. ")
            .Append(result.Settings.Seeds > 1 ? "Means over the trained runs; which differences are real is the findings' paired t-test's to say."
                : "One seed: these differences of means cannot be told from run-to-run noise.")
            .Append("</p><ul class=\"findings\">");
        foreach (var finding in Findings(cells, Display)) html.Append($"<li>{Esc(finding)}</li>");
        html.Append("</ul><div class=\"row\">");
        bool several = result.Settings.SweepsTraining;
        foreach (var at in cells.GroupBy(c => (c.BatchSize, c.Optimizer, c.LearningRate)))
        {
            var (batch, optimizer, rate) = at.Key;
            string id = $"b{batch}" + (several ? $"-{optimizer}-lr{OptimizerChoice.Format(rate)}" : "");
            string title = $"batch {batch}" + (several ? ", " + OptimizerChoice.Label(optimizer, rate) : "");
            var bars = placements.Select((p, i) => new BarSeries(p, Palette[(i + 3) % Palette.Length],
                norms.Select(n => 100 * (at.FirstOrDefault(c => c.Norm == n && c.Placement == p)?.TestAccuracy.Mean ?? double.NaN)).ToList())).ToList();
            html.Append(Bars($"transformer-acc-{id}", $"Test accuracy by normalization and placement, {title}", "normalization", "test accuracy (%)",
                norms.Select(Display).ToList(), bars));
            var curves = result.Runs.Where(r => r.BatchSize == batch && r.Optimizer == optimizer && r.LearningRate == rate && r.Seed == result.Settings.FirstSeed)
                .Select((r, i) => new LineSeries($"{Display(r.Norm)} {r.Placement}", Palette[i % Palette.Length],
                    r.LossCurve.Select(p => (p[0], p[1])).ToList())).ToList();
            html.Append(Line($"transformer-loss-{id}", $"Training loss by normalization and placement, {title}", "epoch", "training loss", curves));
        }
        html.Append("</div>");
        LearningRateSection.Append(html, result, "Which tolerates high learning rates without warmup?");
    }

    /// <summary>Per placement the best normalization and DyT's and no normalization's gap to LayerNorm; per normalization the best placement.</summary>
    internal static IEnumerable<string> Findings(IReadOnlyList<CellSummary> cells, Func<string, string> display)
    {
        static string Points(double d) => (d >= 0 ? "+" : "") + (100 * d).ToString("F1", CultureInfo.InvariantCulture);
        bool several = cells.Select(c => (c.Optimizer, c.LearningRate)).Distinct().Count() > 1;
        string With(CellSummary c) => several ? ", " + c.Training : "";
        foreach (var group in cells.GroupBy(c => (c.Placement, c.BatchSize, c.Optimizer, c.LearningRate)))
        {
            var ranked = group.OrderByDescending(c => c.TestAccuracy.Mean).ToList();
            yield return $"{group.Key.Placement}, batch {group.Key.BatchSize}{With(ranked[0])}: best {display(ranked[0].Norm)} ({Points(ranked[0].TestAccuracy.Mean)}% test accuracy).";
            var layer = group.FirstOrDefault(c => c.Norm == "layer");
            if (layer == null) continue;
            foreach (var other in group.Where(c => c.Norm is "dyt" or "rms" or "none"))
                yield return $"{group.Key.Placement}, batch {group.Key.BatchSize}{With(other)}: {display(other.Norm)} {Points(other.TestAccuracy.Mean - layer.TestAccuracy.Mean)} points against LayerNorm.";
        }
        if (cells.Select(c => c.Placement).Distinct().Count() < 2) yield break;
        foreach (var group in cells.Where(c => c.Norm != "none").GroupBy(c => (c.Norm, c.BatchSize, c.Optimizer, c.LearningRate)))
        {
            var ranked = group.OrderByDescending(c => c.TestAccuracy.Mean).ToList();
            yield return $"{display(group.Key.Norm)}, batch {group.Key.BatchSize}{With(ranked[0])}: {ranked[0].Placement} placement best, "
                + string.Join(", ", ranked.Skip(1).Select(c => $"{c.Placement} {Points(c.TestAccuracy.Mean - ranked[0].TestAccuracy.Mean)} points")) + ".";
        }
    }
}

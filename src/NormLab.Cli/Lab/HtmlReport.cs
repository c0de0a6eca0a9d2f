using System.Globalization;
using System.Text;
using NormLab.Saving;
using static NormLab.Cli.Lab.SvgChart;

namespace NormLab.Cli.Lab;

/// <summary>
/// `--out report.html`: one self-contained HTML file (inline CSS and SVG, no scripts, nothing fetched)
/// with the findings, the summary table and the charts of a comparison.
/// </summary>
internal static class HtmlReport
{
    internal static void Write(ComparisonResult result, string path) => AtomicFile.WriteText(path, Render(result));

    private static string Display(string norm) => NormalizationCatalog.Get(norm).Display;
    private static string Pct(double v) => double.IsFinite(v) ? (v * 100).ToString("F2", CultureInfo.InvariantCulture) : "—";

    internal static string Render(ComparisonResult result)
    {
        var s = result.Settings;
        var cells = result.Cells;
        var norms = s.Norms.Select(n => NormalizationCatalog.Get(n).Key).Distinct().ToList();
        // A colour per normalization, the same in every chart: by its place in --norms, so up to ten stay distinct.
        string ColorOf(string norm) => Palette[Math.Max(0, norms.IndexOf(norm)) % Palette.Length];
        bool seeds = s.Seeds > 1, depths = cells.Any(c => c.Depth != null);
        var html = new StringBuilder();
        var study = result.Study == null ? null : Studies.Get(result.Study);
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>NormLab comparison: ")
            .Append(Esc(s.Arch)).Append("</title><style>").Append(Css).Append("</style></head><body>");
        html.Append(study == null ? $"<h1>NormLab: which normalization for a {Esc(s.Arch.ToUpperInvariant())}?</h1>" : $"<h1>NormLab study {Esc(study.Name)}</h1>");
        html.Append("<p class=\"meta\">")
            .Append($"{result.TrainSamples:N0} training and {result.TestSamples:N0} test images of shape {string.Join("×", result.InputShape)} from <code>{Esc(result.Dataset)}</code>; ")
            .Append($"{s.Epochs} epoch(s), {Esc(OptimizerChoice.Describe(s))}, {s.Seeds} seed(s) from {s.FirstSeed}, {s.Threads} thread(s)" + (s.Distributed ? $" per rank, data-parallel over {s.Replicas} MPI rank(s), batch sizes are global batches" : "") + "; ")
            .Append($"{result.Runs.Count} runs in {result.TotalSeconds / 60:F1} minutes, started {result.StartedUtc:yyyy-MM-dd HH:mm} UTC.")
            .Append(seeds ? " Values are means over the trained runs ± the half-width of their 95% t-interval." : "").Append("</p>");

        if (study != null)
        {
            html.Append($"<h2>Question</h2><p class=\"question\">{Esc(study.Question)}</p>");
            html.Append($"<h2>Setup</h2><p>{Esc(Study.Setup(s, result.Dataset, result.TrainSamples, result.TestSamples))}</p>");
            html.Append("<h2>Result</h2><ul class=\"findings\">");
            foreach (var statement in study.Answer(result)) html.Append($"<li>{Esc(statement)}</li>");
            html.Append("</ul>");
        }
        html.Append($"<p class=\"scope\">{Esc(Scope.Of(result))}</p>");

        html.Append("<h2>Findings</h2><ul class=\"findings\">");
        foreach (var finding in Findings.Compute(result)) html.Append($"<li>{Esc(finding)}</li>");
        html.Append("</ul>");
        var notTrained = result.NotTrained;
        if (notTrained.Count > 0)
        {
            html.Append($"<h2>Runs that did not train</h2><p class=\"note\">{result.Runs.Count - notTrained.Count} of {result.Runs.Count} runs trained. ")
                .Append($"These are left out of every mean, chart and comparison: diverged (a non-finite loss), collapsed (chance level over the final epoch: ")
                .Append($"a final test or training accuracy at most 1/{result.Classes} + {RunClassification.AccuracyMargin * 100:0} points), ")
                .Append("or stopped (fewer epochs than asked).</p><ul>");
            foreach (var run in notTrained) html.Append($"<li>{Esc(run)}</li>");
            html.Append("</ul>");
        }

        html.Append("<h2>Summary</h2><table><thead><tr><th>normalization</th><th>placement</th><th>batch size</th>").Append(depths ? "<th>depth</th>" : "")
            .Append(s.SweepsTraining ? "<th>optimizer</th><th>learning rate</th>" : "").Append("<th>runs trained</th><th>test accuracy %</th>")
            .Append($"<th>final training loss</th><th>epochs to {s.TargetAccuracy * 100:0.#}%</th><th>seconds / epoch</th><th>CPU seconds / epoch</th><th>parameters</th></tr></thead><tbody>");
        string Stat(Stat st, Func<double, string> f) => !double.IsFinite(st.Mean) ? "—" : f(st.Mean) + (double.IsFinite(st.HalfWidth) ? " ± " + f(st.HalfWidth) : "");
        foreach (var c in cells)
        {
            bool best = c.TestAccuracy.Mean >= cells.Where(o => o.BatchSize == c.BatchSize && o.Placement == c.Placement && o.Depth == c.Depth
                && o.Optimizer == c.Optimizer && o.LearningRate == c.LearningRate).Max(o => o.TestAccuracy.Mean);
            html.Append($"<tr><td><span class=\"swatch\" style=\"background:{ColorOf(c.Norm)}\"></span>{Esc(Display(c.Norm))}</td><td>{c.Placement}</td><td>{c.BatchSize}</td>")
                .Append(depths ? $"<td class=\"num\">{c.Depth}</td>" : "")
                .Append(s.SweepsTraining ? $"<td>{Esc(OptimizerChoice.Display(c.Optimizer))}</td><td class=\"num\">{OptimizerChoice.Format(c.LearningRate)}</td>" : "")
                .Append($"<td class=\"num{(c.Trained < c.Runs ? " failed" : "")}\">{c.Trained} of {c.Runs}</td>")
                .Append($"<td class=\"num{(best ? " best" : "")}\">{Stat(c.TestAccuracy, Pct)}</td>")
                .Append($"<td class=\"num\">{Stat(c.FinalTrainLoss, v => v.ToString("F4", CultureInfo.InvariantCulture))}</td>")
                .Append($"<td class=\"num\">{(c.ReachedTarget == 0 ? "not reached" : Stat(c.EpochsToTarget, v => v.ToString("0.#", CultureInfo.InvariantCulture)) + (c.ReachedTarget < c.Trained ? $" ({c.ReachedTarget}/{c.Trained} trained runs)" : ""))}</td>")
                .Append($"<td class=\"num\">{Stat(c.SecondsPerEpoch, v => v.ToString("F2", CultureInfo.InvariantCulture))}</td>")
                .Append($"<td class=\"num\">{Stat(c.CpuSecondsPerEpoch, v => v.ToString("F2", CultureInfo.InvariantCulture))}</td><td class=\"num\">{c.Parameters:N0}</td></tr>");
        }
        html.Append("</tbody></table>");

        SyncSection(html, result, ColorOf);
        TransformerSection.Append(html, result);
        if (!Architectures.IsTransformer(s.Arch)) LearningRateSection.Append(html, result);

        DepthSection.Append(html, result, ColorOf);
        // Without a depth axis one pass over all the cells; with one, the same charts for each depth on its own.
        foreach (var depth in result.Depths.DefaultIfEmpty()) Charts(html, result.AtDepth(depth), norms, ColorOf);

        var mixing = result.Runs.Where(r => r.Mixing.Count > 0).GroupBy(r => (r.Norm, r.Placement, r.BatchSize)).Select(g => g.First()).ToList();
        if (mixing.Count > 0)
        {
            html.Append("<h2>Learned mixing weights and gates</h2><p class=\"note\">What Switchable and Batch-Instance Normalization chose to use, after training (first seed).</p><div class=\"row\">");
            int k = 0;
            foreach (var run in mixing)
                foreach (var report in run.Mixing)
                    html.Append(Bars($"mixing-{k++}", $"{Display(run.Norm)} {report.Layer}: {report.Title} (batch {run.BatchSize})", "component", "learned value",
                        report.Labels, [new BarSeries(report.Title, ColorOf(run.Norm), report.Values)]));
            html.Append("</div>");
        }

        html.Append($"<p class=\"footer\">Made by <code>normlab compare</code> (NormLab). Every number is also in <code>--json</code> output.</p></body></html>\n");
        return html.ToString();
    }

    /// <summary>The training curves, accuracy against batch size, cost and placement charts of the cells of one depth
    /// (of every cell without a depth axis), titled ", depth N" when there is one, and within it for each optimizer and
    /// learning rate, titled by it when there are several.</summary>
    private static void Charts(StringBuilder html, ComparisonResult result, IReadOnlyList<string> norms, Func<string, string> colorOf)
    {
        var s = result.Settings;
        var cells = result.Cells;
        var batches = cells.Select(c => c.BatchSize).Distinct().Order().ToList();
        var placements = cells.Select(c => c.Placement).Distinct().ToList();
        bool seeds = s.Seeds > 1;
        int? depth = cells.Select(c => c.Depth).FirstOrDefault();
        string at = depth == null ? "" : $", depth {depth}", depthId = depth == null ? "" : $"-d{depth}";
        // Each optimizer and learning rate gets its own charts; their titles and ids name it when there are several.
        var recipes = cells.Select(c => (c.Optimizer, c.LearningRate)).Distinct().ToList();
        bool In(CellSummary c, (string Optimizer, double LearningRate) r) => c.Optimizer == r.Optimizer && c.LearningRate == r.LearningRate;
        string Title((string Optimizer, double LearningRate) r) => (recipes.Count > 1 ? ", " + OptimizerChoice.Label(r.Optimizer, r.LearningRate) : "") + at;
        string Id((string Optimizer, double LearningRate) r) => (recipes.Count > 1 ? OptimizerChoice.Id(r.Optimizer, r.LearningRate) : "") + depthId;

        var trained = result.Runs.Where(r => result.StatusOf(r) == RunStatus.Trained).ToList();
        html.Append($"<h2>Training curves{at}</h2><p class=\"note\">Training loss is the mean over windows of about 1/20 epoch; test accuracy is measured after each epoch; trained runs only.</p>");
        foreach (var placement in placements)
            foreach (int batch in batches)
            foreach (var recipe in recipes)
            {
                string where = $"batch {batch}" + (placements.Count > 1 || placement != "before" ? $", {placement} activation" : "") + Title(recipe);
                string id = $"{placement}-b{batch}{Id(recipe)}";
                var runsAt = norms.Select(n => (norm: n, runs: trained.Where(r => r.Norm == n && r.Placement == placement && r.BatchSize == batch
                        && r.Optimizer == recipe.Optimizer && r.LearningRate == recipe.LearningRate).ToList()))
                    .Where(g => g.runs.Count > 0).ToList();
                var lossSeries = runsAt.Select(g => new LineSeries(Display(g.norm), colorOf(g.norm), MeanCurve(g.runs))).ToList();
                var accSeries = runsAt.Select(g => new LineSeries(Display(g.norm), colorOf(g.norm),
                    Enumerable.Range(0, g.runs.Max(r => r.EpochTestAccuracy.Count)).Select(e => ((double)(e + 1), 100 * Mean(g.runs, r => r.EpochTestAccuracy, e))).ToList(),
                    seeds ? Enumerable.Range(0, g.runs.Max(r => r.EpochTestAccuracy.Count)).Select(e => 100 * HalfWidth(g.runs, r => r.EpochTestAccuracy, e)).ToList() : null)).ToList();
                html.Append("<div class=\"row\">");
                html.Append(Line($"loss-{id}", $"Training loss, {where}", "epoch", "training loss (cross-entropy)", lossSeries, xRange: (0, s.Epochs)));
                if (s.Epochs > 1)
                    html.Append(Line($"accuracy-{id}", $"Test accuracy per epoch, {where}", "epoch", "test accuracy (%)", accSeries,
                        integerX: true, xRange: (1, s.Epochs)));
                else
                {
                    // One epoch gives one point per line: bars read better.
                    // A run that diverged in its first epoch has no point: NaN, drawn as a missing bar.
                    double First(LineSeries a) => a.Points.Count > 0 ? a.Points[0].Y : double.NaN;
                    var finals = accSeries.Select(First).Where(double.IsFinite).ToList();
                    html.Append(Bars($"accuracy-{id}", $"Test accuracy after 1 epoch, {where}", "normalization", "test accuracy (%)",
                        ["after epoch 1"], accSeries.Select(a => new BarSeries(a.Name, a.Color, [First(a)], a.Errors)).ToList(),
                        finals.Count == 0 ? null : (Math.Max(0, Math.Floor(finals.Min() / 5) * 5 - 5), Math.Min(100, Math.Ceiling(finals.Max() / 5) * 5))));
                }
                html.Append("</div>");
            }

        // A sweep of learning rates at one batch size has nothing to show here.
        if (batches.Count > 1 || recipes.Count == 1)
        {
            html.Append($"<h2>Test accuracy against batch size{at}</h2><p class=\"note\">The shape of Figure 1 of Wu and He's Group Normalization paper: batch statistics get noisy as the batch shrinks.</p><div class=\"row\">");
            foreach (var placement in placements)
            foreach (var recipe in recipes)
            {
                var series = norms.Select(n => (n, at: batches.Select(b => cells.FirstOrDefault(c => c.Norm == n && c.Placement == placement && c.BatchSize == b && In(c, recipe))).ToList()))
                    .Where(g => g.at.Any(c => c != null))
                    .Select(g => new LineSeries(Display(g.n), colorOf(g.n),
                        g.at.Select((c, i) => ((double)batches[i], c == null ? double.NaN : 100 * c.TestAccuracy.Mean)).ToList(),
                        seeds ? g.at.Select(c => c == null ? 0 : 100 * Finite(c.TestAccuracy.HalfWidth)).ToList() : null)).ToList();
                html.Append(Line($"batch-size-{placement}{Id(recipe)}",
                    $"Test accuracy by batch size, {s.Epochs} epoch(s)" + (placements.Count > 1 ? $", {placement} activation" : "") + Title(recipe),
                    "batch size (log2 scale)", "test accuracy (%)", series, logBase: 2));
            }
            html.Append("</div>");
        }

        html.Append($"<h2>Cost{at}</h2><p class=\"note\">Wall-clock time grows when other programs share the machine; CPU time (all threads of this process) does not, so it is the fairer comparison of what each normalization costs.")
            .Append(recipes.Count > 1 ? $" The learning rate does not change the cost of a step: shown for {Esc(OptimizerChoice.Label(recipes[0].Optimizer, recipes[0].LearningRate))}." : "").Append("</p><div class=\"row\">");
        var costCells = cells.Where(c => In(c, recipes[0])).ToList();
        foreach (var placement in placements)
        {
            var present = norms.Where(n => costCells.Any(c => c.Norm == n && c.Placement == placement)).ToList();
            var bars = batches.Select((b, i) => new BarSeries($"batch {b}", Palette[(i + 5) % Palette.Length],
                present.Select(n => costCells.FirstOrDefault(c => c.Norm == n && c.Placement == placement && c.BatchSize == b)?.SecondsPerEpoch.Mean ?? double.NaN).ToList(),
                seeds ? present.Select(n => costCells.FirstOrDefault(c => c.Norm == n && c.Placement == placement && c.BatchSize == b)?.SecondsPerEpoch.HalfWidth ?? 0).Select(Finite).ToList() : null)).ToList();
            html.Append(Bars($"time-{placement}{depthId}", "Training time per epoch" + (placements.Count > 1 ? $", {placement} activation" : "") + at,
                "normalization", "seconds per epoch (wall clock)", present.Select(Display).ToList(), bars));
            var cpu = batches.Select((b, i) => new BarSeries($"batch {b}", Palette[(i + 5) % Palette.Length],
                present.Select(n => costCells.FirstOrDefault(c => c.Norm == n && c.Placement == placement && c.BatchSize == b)?.CpuSecondsPerEpoch.Mean ?? double.NaN).ToList())).ToList();
            if (cpu.Any(b => b.Values.Any(double.IsFinite)))
                html.Append(Bars($"cpu-{placement}{depthId}", "CPU time per epoch" + (placements.Count > 1 ? $", {placement} activation" : "") + at,
                    "normalization", "CPU seconds per epoch (all threads)", present.Select(Display).ToList(), cpu));
        }
        html.Append("</div>");

        if (placements.Count > 1)
        {
            html.Append($"<h2>Before or after the activation?{at}</h2><div class=\"row\">");
            var present = norms.Where(n => n != "none").ToList();
            foreach (int batch in batches)
            foreach (var recipe in recipes)
            {
                var bars = placements.Select((p, i) => new BarSeries(p, Palette[(i + 3) % Palette.Length],
                    present.Select(n => 100 * (cells.FirstOrDefault(c => c.Norm == n && c.Placement == p && c.BatchSize == batch && In(c, recipe))?.TestAccuracy.Mean ?? double.NaN)).ToList())).ToList();
                var values = bars.SelectMany(b => b.Values).Where(double.IsFinite).ToList();
                html.Append(Bars($"placement-b{batch}{Id(recipe)}", $"Test accuracy, norm before vs after activation, batch {batch}{Title(recipe)}", "normalization", "test accuracy (%)",
                    present.Select(Display).ToList(), bars, values.Count == 0 ? null : (Math.Floor(values.Min() / 5) * 5 - 5, Math.Min(100, Math.Ceiling(values.Max() / 5) * 5))));
            }
            html.Append("</div>");
        }
    }

    /// <summary>
    /// With --distributed: "local or synchronized batch norm across K replicas", test accuracy and final
    /// training loss of "batch" against "batch-sync" per global batch size, the per-replica batch stated.
    /// </summary>
    internal static void SyncSection(StringBuilder html, ComparisonResult result, Func<string, string> colorOf)
    {
        var s = result.Settings;
        if (!s.Distributed) return;
        int k = s.Replicas;
        html.Append($"<h2 id=\"local-or-synchronized\">Local or synchronized batch norm across {k} replicas?</h2>");
        var pairs = Findings.SyncPairs(result);
        html.Append($"<p class=\"note\">Every run trained data-parallel over {k} MPI rank(s): each global batch was split into {k} shards, gradients averaged with allreduce. ")
            .Append("Local BatchNorm (<code>batch</code>) normalizes each replica's shard with that shard's statistics; synchronized BatchNorm (<code>batch-sync</code>, ")
            .Append("<code>BatchNormalization(synchronized: true)</code>) with the statistics of the whole global batch. Test accuracy is rank 0's replica on the full test set.</p>");
        if (pairs.Count == 0)
        {
            html.Append("<p class=\"note\">Nothing to compare: run both <code>--norms batch,batch-sync</code>.</p>");
            return;
        }
        bool seeds = s.Seeds > 1;
        html.Append("<ul class=\"findings\">");
        foreach (var finding in Findings.LocalVsSynchronized(result)) html.Append($"<li>{Esc(finding)}</li>");
        html.Append("</ul>");
        bool placements = pairs.Select(p => p.Local.Placement).Distinct().Count() > 1;
        string Label((CellSummary Local, CellSummary Sync) p) => $"{p.Local.BatchSize} ({s.PerReplica(p.Local.BatchSize)}/replica)" + (placements ? $" {p.Local.Placement}" : "");
        var categories = pairs.Select(Label).ToList();
        string F4(double v) => double.IsFinite(v) ? v.ToString("F4", CultureInfo.InvariantCulture) : "—";
        string St(Stat st, Func<double, string> f) => !double.IsFinite(st.Mean) ? "—" : f(st.Mean) + (double.IsFinite(st.HalfWidth) ? " ± " + f(st.HalfWidth) : "");
        html.Append("<table><thead><tr><th>global batch</th><th>per replica</th>").Append(placements ? "<th>placement</th>" : "")
            .Append("<th>local test accuracy %</th><th>synchronized test accuracy %</th><th>difference (points)</th><th>local final loss</th><th>synchronized final loss</th></tr></thead><tbody>");
        foreach (var (local, sync) in pairs)
        {
            double delta = sync.TestAccuracy.Mean - local.TestAccuracy.Mean;
            html.Append($"<tr><td class=\"num\">{local.BatchSize}</td><td class=\"num\">{s.PerReplica(local.BatchSize)}</td>").Append(placements ? $"<td>{local.Placement}</td>" : "")
                .Append($"<td class=\"num\">{St(local.TestAccuracy, Pct)}</td><td class=\"num\">{St(sync.TestAccuracy, Pct)}</td>")
                .Append($"<td class=\"num\">{(delta * 100).ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture)}</td>")
                .Append($"<td class=\"num\">{St(local.FinalTrainLoss, F4)}</td><td class=\"num\">{St(sync.FinalTrainLoss, F4)}</td></tr>");
        }
        html.Append("</tbody></table><div class=\"row\">");
        BarSeries Series(string norm, Func<(CellSummary Local, CellSummary Sync), CellSummary> pick, Func<CellSummary, Stat> stat, double scale) =>
            new(Display(norm) + (norm == "batch" ? " (local)" : " (synchronized)"), colorOf(norm),
                pairs.Select(p => scale * stat(pick(p)).Mean).ToList(), seeds ? pairs.Select(p => scale * Finite(stat(pick(p)).HalfWidth)).ToList() : null);
        var acc = new List<BarSeries> { Series("batch", p => p.Local, c => c.TestAccuracy, 100), Series("batch-sync", p => p.Sync, c => c.TestAccuracy, 100) };
        var values = acc.SelectMany(b => b.Values).Where(double.IsFinite).ToList();
        html.Append(Bars("sync-accuracy", $"Test accuracy, local vs synchronized BN, {k} replicas", "global batch (per replica)", "test accuracy (%)", categories, acc,
            values.Count == 0 ? null : (Math.Max(0, Math.Floor(values.Min() / 5) * 5 - 5), Math.Min(100, Math.Ceiling(values.Max() / 5) * 5))));
        var loss = new List<BarSeries> { Series("batch", p => p.Local, c => c.FinalTrainLoss, 1), Series("batch-sync", p => p.Sync, c => c.FinalTrainLoss, 1) };
        html.Append(Bars("sync-loss", $"Final training loss, local vs synchronized BN, {k} replicas", "global batch (per replica)", "training loss (cross-entropy)", categories, loss));
        html.Append("</div>");
    }

    /// <summary>The mean over seeds of the windowed training loss, point by point.</summary>
    private static List<(double, double)> MeanCurve(List<RunResult> runs)
    {
        int n = runs.Min(r => r.LossCurve.Count);
        return Enumerable.Range(0, n).Select(i => (runs[0].LossCurve[i][0], runs.Average(r => r.LossCurve[i][1]))).ToList();
    }

    private static double Mean(List<RunResult> runs, Func<RunResult, List<double>> pick, int e) =>
        Lab.Stat.Of(runs.Where(r => pick(r).Count > e).Select(r => pick(r)[e])).Mean;

    private static double HalfWidth(List<RunResult> runs, Func<RunResult, List<double>> pick, int e) =>
        Finite(Lab.Stat.Of(runs.Where(r => pick(r).Count > e).Select(r => pick(r)[e])).HalfWidth);

    /// <summary>An error bar: none (0) where the interval is undefined (fewer than two trained runs).</summary>
    private static double Finite(double halfWidth) => double.IsFinite(halfWidth) ? halfWidth : 0;

    private const string Css = """
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 24px auto; max-width: 1240px; color: #1d1d1f; padding: 0 16px; }
        h1 { font-size: 26px; margin-bottom: 4px; } h2 { font-size: 20px; margin-top: 32px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
        .meta, .note, .footer { color: #555; font-size: 14px; } .scope { background: #fff8e1; border-left: 4px solid #f0a500; padding: 8px 12px; }
        .question { font-size: 17px; font-weight: 600; } td.failed { color: #b00020; font-weight: 700; } .findings li { margin: 4px 0; font-size: 16px; }
        table { border-collapse: collapse; font-size: 14px; } th, td { padding: 4px 10px; border-bottom: 1px solid #e5e5e5; text-align: left; } td:first-child { white-space: nowrap; }
        th { background: #f5f5f7; } td.num { text-align: right; font-variant-numeric: tabular-nums; } td.best { font-weight: 700; color: #006400; }
        .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
        .row { display: grid; grid-template-columns: repeat(auto-fill, minmax(540px, 1fr)); gap: 12px; }
        svg.chart { width: 100%; height: auto; background: #fff; border: 1px solid #e5e5e5; border-radius: 6px; font-family: inherit; }
        svg .title { font-size: 14px; font-weight: 600; fill: #1d1d1f; } svg .label { font-size: 13px; fill: #333; }
        svg .tick { font-size: 12px; fill: #444; } svg .value { font-size: 10px; } svg .legend text { font-size: 12px; fill: #222; }
        svg .grid { stroke: #ececec; stroke-width: 1; } svg .frame { fill: none; stroke: #999; stroke-width: 1; }
        """;
}

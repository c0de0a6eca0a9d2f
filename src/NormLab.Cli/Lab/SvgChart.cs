using System.Globalization;
using System.Net;
using System.Text;

namespace NormLab.Cli.Lab;

/// <summary>One line of a line chart: points (x, y), optionally with ± error bars.</summary>
internal sealed record LineSeries(string Name, string Color, IReadOnlyList<(double X, double Y)> Points, IReadOnlyList<double>? Errors = null);

/// <summary>One group of bars: one value per category, optionally with ± error bars.</summary>
internal sealed record BarSeries(string Name, string Color, IReadOnlyList<double> Values, IReadOnlyList<double>? Errors = null);

/// <summary>
/// Small, dependency-free SVG charts for the report: line charts (linear, log2 or log10 x) and grouped bar charts,
/// each with a title, axis labels, tick numbers and a legend. Each chart is an &lt;svg class="chart" data-chart="ID"&gt;
/// and each series a &lt;g class="series" data-series="NAME"&gt;, so tests and scripts can find them.
/// </summary>
internal static class SvgChart
{
    private const int Width = 580, Height = 340, Left = 64, Right = 128, Top = 44, Bottom = 60;
    private const int PlotWidth = Width - Left - Right, PlotHeight = Height - Top - Bottom;

    /// <summary>Tableau 10: ten colours that stay distinct side by side.</summary>
    internal static readonly string[] Palette =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    internal static string Line(string id, string title, string xLabel, string yLabel, IReadOnlyList<LineSeries> series,
        int logBase = 0, bool integerX = false, (double min, double max)? xRange = null, (double min, double max)? yRange = null)
    {
        var points = series.SelectMany(s => s.Points.Select((p, i) => (p.X, p.Y, e: s.Errors?[i] ?? 0))).Where(p => double.IsFinite(p.Y)).ToList();
        // logBase 2 or 10: x on a log scale, with a tick at each power of the base.
        double Tx(double x) => logBase switch { 2 => Math.Log2(x), 10 => Math.Log10(x), _ => x };
        var (x0, x1) = xRange ?? (points.Count == 0 ? (0, 1) : (points.Min(p => Tx(p.X)), points.Max(p => Tx(p.X))));
        if (x1 - x0 < 1e-12) { x0 -= 1; x1 += 1; }
        var (y0, y1) = yRange ?? (points.Count == 0 ? (0, 1) : (points.Min(p => p.Y - p.e), points.Max(p => p.Y + p.e)));
        var yTicks = NiceTicks(y0, y1, 6);
        if (yRange == null) (y0, y1) = (yTicks[0], yTicks[^1]);
        double Px(double x) => Left + (Tx(x) - x0) / (x1 - x0) * PlotWidth;
        double Py(double y) => Top + PlotHeight - (y - y0) / (y1 - y0) * PlotHeight;
        var xTicks = logBase > 0
            ? Enumerable.Range((int)Math.Ceiling(x0 - 1e-9), (int)Math.Floor(x1 + 1e-9) - (int)Math.Ceiling(x0 - 1e-9) + 1).Select(k => Math.Pow(logBase, k)).ToList()
            : integerX ? NiceTicks(x0, x1, 8).Where(t => Math.Abs(t - Math.Round(t)) < 1e-9).ToList() : NiceTicks(x0, x1, 8);

        var svg = Begin(id, title);
        Axes(svg, xLabel, yLabel);
        foreach (double t in yTicks.Where(t => t >= y0 - 1e-9 && t <= y1 + 1e-9))
        {
            svg.Append($"<line class=\"grid\" x1=\"{Left}\" x2=\"{Left + PlotWidth}\" y1=\"{F(Py(t))}\" y2=\"{F(Py(t))}\"/>");
            svg.Append($"<text class=\"tick\" x=\"{Left - 8}\" y=\"{F(Py(t) + 4)}\" text-anchor=\"end\">{Number(t, yTicks)}</text>");
        }
        foreach (double t in xTicks.Where(t => Tx(t) >= x0 - 1e-9 && Tx(t) <= x1 + 1e-9))
        {
            svg.Append($"<line class=\"grid\" x1=\"{F(Px(t))}\" x2=\"{F(Px(t))}\" y1=\"{Top}\" y2=\"{Top + PlotHeight}\"/>");
            svg.Append($"<text class=\"tick\" x=\"{F(Px(t))}\" y=\"{Top + PlotHeight + 18}\" text-anchor=\"middle\">{(logBase > 0 ? t.ToString("G4", CultureInfo.InvariantCulture) : Number(t, xTicks))}</text>");
        }
        foreach (var s in series)
        {
            var valid = s.Points.Select((p, i) => (p, e: s.Errors?[i] ?? 0)).Where(q => double.IsFinite(q.p.Y)).ToList();
            svg.Append($"<g class=\"series\" data-series=\"{Esc(s.Name)}\" stroke=\"{s.Color}\" fill=\"{s.Color}\">");
            if (valid.Count > 1)
                svg.Append($"<polyline fill=\"none\" stroke-width=\"2.2\" points=\"{string.Join(' ', valid.Select(q => $"{F(Px(q.p.X))},{F(Py(Math.Clamp(q.p.Y, y0, y1)))}"))}\"/>");
            if (valid.Count <= 30)
                foreach (var (p, e) in valid)
                {
                    if (e > 0)
                        svg.Append($"<line stroke-width=\"1.5\" x1=\"{F(Px(p.X))}\" x2=\"{F(Px(p.X))}\" y1=\"{F(Py(Math.Clamp(p.Y - e, y0, y1)))}\" y2=\"{F(Py(Math.Clamp(p.Y + e, y0, y1)))}\"/>");
                    svg.Append($"<circle cx=\"{F(Px(p.X))}\" cy=\"{F(Py(Math.Clamp(p.Y, y0, y1)))}\" r=\"3.5\"><title>{Esc(s.Name)}: {Number(p.Y, yTicks, extra: 2)}</title></circle>");
                }
            svg.Append("</g>");
        }
        Legend(svg, series.Select(s => (s.Name, s.Color)).ToList());
        return End(svg);
    }

    internal static string Bars(string id, string title, string xLabel, string yLabel, IReadOnlyList<string> categories, IReadOnlyList<BarSeries> series,
        (double min, double max)? yRange = null)
    {
        var tops = series.SelectMany(s => s.Values.Select((v, i) => v + (s.Errors?[i] ?? 0))).Where(double.IsFinite).ToList();
        var (y0, y1) = yRange ?? (0, tops.Count == 0 ? 1 : tops.Max());
        var yTicks = NiceTicks(y0, y1, 6);
        if (yRange == null) (y0, y1) = (yTicks[0], yTicks[^1]);
        double Py(double y) => Top + PlotHeight - (Math.Clamp(y, y0, y1) - y0) / (y1 - y0) * PlotHeight;
        var svg = Begin(id, title);
        Axes(svg, xLabel, yLabel);
        foreach (double t in yTicks)
        {
            svg.Append($"<line class=\"grid\" x1=\"{Left}\" x2=\"{Left + PlotWidth}\" y1=\"{F(Py(t))}\" y2=\"{F(Py(t))}\"/>");
            svg.Append($"<text class=\"tick\" x=\"{Left - 8}\" y=\"{F(Py(t) + 4)}\" text-anchor=\"end\">{Number(t, yTicks)}</text>");
        }
        double slot = (double)PlotWidth / Math.Max(1, categories.Count), bar = slot * 0.8 / Math.Max(1, series.Count);
        // Many categories (a gate per channel): label every k-th so the labels do not overlap.
        int labelEvery = (int)Math.Ceiling(categories.Count / 16.0);
        for (int c = 0; c < categories.Count; c += labelEvery)
            svg.Append($"<text class=\"tick\" x=\"{F(Left + slot * (c + 0.5))}\" y=\"{Top + PlotHeight + 18}\" text-anchor=\"middle\">{Esc(categories[c])}</text>");
        for (int s = 0; s < series.Count; s++)
        {
            var bs = series[s];
            svg.Append($"<g class=\"series\" data-series=\"{Esc(bs.Name)}\" fill=\"{bs.Color}\" stroke=\"{bs.Color}\">");
            for (int c = 0; c < categories.Count && c < bs.Values.Count; c++)
            {
                double v = bs.Values[c];
                if (!double.IsFinite(v)) continue;
                double x = Left + slot * c + slot * 0.1 + bar * s;
                svg.Append($"<rect x=\"{F(x)}\" y=\"{F(Py(v))}\" width=\"{F(bar - 2)}\" height=\"{F(Py(y0) - Py(v))}\"><title>{Esc(bs.Name)}, {Esc(categories[c])}: {Number(v, yTicks, extra: 2)}</title></rect>");
                double e = bs.Errors?[c] ?? 0;
                if (e > 0)
                    svg.Append($"<line stroke=\"#222\" stroke-width=\"1.5\" x1=\"{F(x + bar / 2 - 1)}\" x2=\"{F(x + bar / 2 - 1)}\" y1=\"{F(Py(v - e))}\" y2=\"{F(Py(v + e))}\"/>");
                if (bar >= 26)
                    svg.Append($"<text class=\"value\" x=\"{F(x + bar / 2 - 1)}\" y=\"{F(Py(v) - 4)}\" text-anchor=\"middle\" stroke=\"none\" fill=\"#222\">{Number(v, yTicks, extra: 1)}</text>");
            }
            svg.Append("</g>");
        }
        Legend(svg, series.Select(s => (s.Name, s.Color)).ToList());
        return End(svg);
    }

    /// <summary>1-2-5 ticks covering [min, max].</summary>
    internal static List<double> NiceTicks(double min, double max, int count)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max)) return [0, 1];
        if (max - min < 1e-12) { double pad = Math.Abs(min) * 0.05 + 1e-3; min -= pad; max += pad; }
        double raw = (max - min) / Math.Max(1, count - 1), magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw);
        double start = Math.Floor(min / step + 1e-9) * step, end = Math.Ceiling(max / step - 1e-9) * step;
        var ticks = new List<double>();
        for (double t = start; t <= end + step * 1e-6; t += step) ticks.Add(Math.Round(t / step) * step);
        return ticks;
    }

    private static StringBuilder Begin(string id, string title)
    {
        var svg = new StringBuilder();
        svg.Append($"<svg class=\"chart\" data-chart=\"{Esc(id)}\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" role=\"img\" aria-label=\"{Esc(title)}\">");
        svg.Append($"<text class=\"title\" x=\"{Width / 2}\" y=\"24\" text-anchor=\"middle\"{(title.Length > 62 ? $" textLength=\"{Width - 24}\" lengthAdjust=\"spacingAndGlyphs\"" : "")}>{Esc(title)}</text>");
        return svg;
    }

    private static void Axes(StringBuilder svg, string xLabel, string yLabel)
    {
        svg.Append($"<rect class=\"frame\" x=\"{Left}\" y=\"{Top}\" width=\"{PlotWidth}\" height=\"{PlotHeight}\"/>");
        svg.Append($"<text class=\"label\" x=\"{Left + PlotWidth / 2}\" y=\"{Height - 16}\" text-anchor=\"middle\">{Esc(xLabel)}</text>");
        svg.Append($"<text class=\"label\" transform=\"translate(18,{Top + PlotHeight / 2}) rotate(-90)\" text-anchor=\"middle\">{Esc(yLabel)}</text>");
    }

    private static void Legend(StringBuilder svg, List<(string name, string color)> entries)
    {
        int x = Left + PlotWidth + 16, y = Top + 6;
        svg.Append("<g class=\"legend\">");
        foreach (var (name, color) in entries)
        {
            svg.Append($"<rect x=\"{x}\" y=\"{y}\" width=\"14\" height=\"14\" rx=\"2\" fill=\"{color}\"/>");
            // The legend column is Right - 36 px wide: long names are cut with an ellipsis, the full name in the tooltip.
            string shown = name.Length > 15 ? name[..14] + "…" : name;
            svg.Append($"<text x=\"{x + 20}\" y=\"{y + 12}\"><title>{Esc(name)}</title>{Esc(shown)}</text>");
            y += 22;
        }
        svg.Append("</g>");
    }

    private static string End(StringBuilder svg) => svg.Append("</svg>").ToString();

    /// <summary>A tick number with as many decimals as the tick spacing needs (plus <paramref name="extra"/>).</summary>
    private static string Number(double v, IReadOnlyList<double> ticks, int extra = 0)
    {
        double step = ticks.Count > 1 ? Math.Abs(ticks[1] - ticks[0]) : Math.Abs(v);
        int decimals = step <= 0 || step >= 1 ? 0 : Math.Min(6, (int)Math.Ceiling(-Math.Log10(step) - 1e-9));
        if (step > 0 && Math.Abs(step * Math.Pow(10, decimals) - Math.Round(step * Math.Pow(10, decimals))) > 1e-6) decimals++;
        return v.ToString("F" + Math.Min(6, decimals + extra), CultureInfo.InvariantCulture);
    }

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    internal static string Esc(string text) => WebUtility.HtmlEncode(text);
}

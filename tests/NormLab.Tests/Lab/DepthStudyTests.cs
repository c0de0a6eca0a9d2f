using System.Net;
using System.Text.Json.Nodes;
using NormLab.Cli.Lab;
using Xunit;

namespace NormLab.Tests.Lab;

/// <summary>The depth axis (--depths) and `normlab study depth`: its answer on constructed results, the JSON, the options, a tiny run.</summary>
[Collection("console")]
public sealed class DepthStudyTests() : TemporaryFolderTests("normlab-depth-")
{
    /// <summary>A depth study's result with one run per (norm, depth, seed) of the given test accuracies (at most 0.1: collapsed).</summary>
    private static ComparisonResult Result(params (string Norm, int Depth, double[] Accuracy)[] cells)
    {
        var settings = new CompareSettings
        {
            Arch = "plain-cnn", Norms = cells.Select(c => c.Norm).Distinct().ToList(), BatchSizes = [64], Placements = [Placement.Before],
            Depths = cells.Select(c => c.Depth).Distinct().ToList(), Seeds = cells[0].Accuracy.Length, Epochs = 1,
        };
        var runs = cells.SelectMany(c => c.Accuracy.Select((a, k) =>
            RunClassificationTests.History(c.Norm, 64, 42 + k, a <= 0.1 ? (2.3, 0.1, a) : (0.5, 0.8, a)) with { Depth = c.Depth })).ToList();
        return new ComparisonResult(settings, "fake", 100, 50, [28, 28, 1], DateTime.UtcNow, 1, runs) { Study = "depth" };
    }

    [Fact]
    public void AnswerPairsEachDepthAndFitsTheGapsSlopePerSeed()
    {
        // Gaps (points) per seed: depth 2 +1, +2, +3; depth 4 +5, +8, +7. Slopes 2, 3, 2 points per layer, i.e. 20, 30, 20 per
        // 10 layers: mean 23.33, sd 5.774, half-width t(0.975, 2) 4.303 × 5.774 / √3 = 14.34; t = 7, p = 1 - 7/√51 = 0.0198.
        var answer = Studies.Get("depth").Answer(Result(
            ("none", 2, [0.70, 0.70, 0.70]), ("none", 4, [0.60, 0.60, 0.60]),
            ("batch", 2, [0.71, 0.72, 0.73]), ("batch", 4, [0.65, 0.68, 0.67])));
        Assert.Equal(4, answer.Count);
        // Depth 2: differences 1, 2, 3: half-width 4.303 / √3 = 2.48, t = 2√3, p = 1 - 2√3/√14 = 0.074.
        Assert.Equal("Depth 2: BatchNorm 72.0% ± 2.5 (95% CI) against 70.0% ± 0.0 (95% CI) without normalization; BatchNorm minus none is " +
            "within noise (paired over 3 seeds: +2.0 points, 95% CI [-0.5, +4.5], p = 0.074).", answer[0]);
        Assert.StartsWith("Depth 4: BatchNorm 66.7%", answer[1]);
        Assert.Contains("a real difference (paired over 3 seeds: +6.7 points", answer[1]);
        Assert.Equal("Trend: BatchNorm minus none against depth (each seed's paired gap fitted by a line over the depths where both trained): " +
            "the gap grows with depth; the slope is a real difference (paired over 3 seeds: +23.3 points per 10 layers, 95% CI [+9.0, +37.7], p = 0.02).", answer[2]);
        Assert.Equal("Runs that trained at depths 2, 4: None 3/3, 3/3; BatchNorm 3/3, 3/3.", answer[3]);
    }

    [Fact]
    public void AnswerSaysWhenNoNormalizationStopsTraining()
    {
        var answer = Studies.Get("depth").Answer(Result(
            ("none", 2, [0.70, 0.71]), ("none", 8, [0.10, 0.10]), ("layer", 2, [0.72, 0.73]), ("layer", 8, [0.70, 0.72])));
        Assert.StartsWith("Depth 8: LayerNorm 71.0% ± 12.7 (95% CI) against no run trained (seed 42 collapsed to chance level", answer[1]);
        Assert.DoesNotContain("minus none", answer[1]);
        Assert.EndsWith("not measurable, no seed trained both at two depths or more.", answer[2]);
        Assert.Equal("Runs that trained at depths 2, 8: None 2/2, 0/2; LayerNorm 2/2, 2/2.", answer[3]);
        Assert.Equal(DepthAnswer.SlopeLayers * 2.0, DepthAnswer.SlopeLayers * DepthAnswer.Slope([(2, 1), (4, 5), (6, 9)]), 12);
    }

    [Fact]
    public void DepthsSurviveTheJsonAndOlderFilesWithoutThemStillRead()
    {
        var result = Result(("none", 2, [0.70, 0.71]), ("none", 4, [0.60, 0.62]), ("batch", 2, [0.72, 0.73]), ("batch", 4, [0.70, 0.72]));
        string path = Path.Combine(dir, "r.json");
        ResultsJson.Write(result, path);
        var back = ResultsJson.Read(path);
        Assert.Equal([2, 4], back.Settings.Depths);
        Assert.Equal(result.Runs.Select(r => (r.Norm, r.Depth, r.Seed)), back.Runs.Select(r => (r.Norm, r.Depth, r.Seed)));
        Assert.Equal(result.Cells.Select(c => (c.Norm, c.Depth, c.TestAccuracy.Mean)), back.Cells.Select(c => (c.Norm, c.Depth, c.TestAccuracy.Mean)));
        Assert.Equal(Studies.Get("depth").Answer(result), Studies.Get("depth").Answer(back));
        var summary = JsonNode.Parse(File.ReadAllText(path))!["summary"]!.AsArray();
        Assert.Equal([2, 4, 2, 4], summary.Select(c => c!["depth"]!.GetValue<int>()));

        // A file of before --depths: no "depths" in its settings, no "depth" in its runs.
        var old = Result(("none", 2, [0.70]), ("batch", 2, [0.72]));
        old = old with { Settings = new CompareSettings { Norms = ["none", "batch"], BatchSizes = [64] }, Runs = old.Runs.Select(r => r with { Depth = null }).ToList(), Study = null };
        var json = ResultsJson.ToJson(old);
        Assert.True(json["settings"]!.AsObject().Remove("depths"));
        Assert.All(json["runs"]!.AsArray(), r => Assert.False(r!.AsObject().ContainsKey("depth")));
        File.WriteAllText(path, json.ToJsonString());
        var read = ResultsJson.Read(path);
        Assert.Empty(read.Settings.Depths);
        Assert.All(read.Runs, r => Assert.Null(r.Depth));

        // A run at a depth the settings do not list is named.
        json = ResultsJson.ToJson(result);
        json["runs"]![0]!["depth"] = 3;
        File.WriteAllText(path, json.ToJsonString());
        Assert.Contains("runs[0].depth must be one of settings.depths", Assert.Throws<FormatException>(() => ResultsJson.Read(path)).Message);
    }

    [Fact]
    public void ReportChartsAccuracyAgainstDepthWithErrorBars()
    {
        var result = Result(("none", 2, [0.70, 0.71]), ("none", 4, [0.60, 0.62]), ("batch", 2, [0.72, 0.73]), ("batch", 4, [0.70, 0.72]));
        var report = HtmlReport.Render(result);
        int start = report.IndexOf("data-chart=\"depth-before-b64\"", StringComparison.Ordinal);
        Assert.True(start >= 0, "no depth chart");
        var chart = report[start..report.IndexOf("</svg>", start, StringComparison.Ordinal)];
        Assert.Contains("data-series=\"None\"", chart);
        Assert.Contains("data-series=\"BatchNorm\"", chart);
        // Per-depth charts and findings, each said at its depth.
        Assert.Contains("data-chart=\"loss-before-b64-d2\"", report);
        Assert.Contains("data-chart=\"loss-before-b64-d4\"", report);
        Assert.Contains(Findings.Compute(result), f => f.StartsWith("Depth 4: At batch size 64, BatchNorm had the highest mean test accuracy (71.0%", StringComparison.Ordinal));
        Assert.Contains("<th>depth</th>", report);
    }

    [Fact]
    public void DepthsOptionIsCheckedAndNamed()
    {
        foreach (var (args, message) in new (string[], string)[]
        {
            (["--arch", "cnn", "--depths", "2,4"], "--depths applies to --arch plain-mlp and plain-cnn (whose depth it sets), not --arch cnn; received '--depths 2,4'."),
            (["--arch", "plain-mlp", "--depths", "2,x"], "--depths must list integers >= 1, received 'x'."),
            (["--arch", "plain-mlp", "--depths", "0"], "--depths must list integers >= 1, received '0'."),
            (["--arch", "plain-cnn", "--depths", "4,2,4"], "--depths lists 4 twice ('4,2,4')."),
            (["--arch", "plain-cnn", "--depths", $"{Architectures.MaxDepth + 1}"], $"--depths must list depths from 1 to {Architectures.MaxDepth}, received {Architectures.MaxDepth + 1}."),
        })
        {
            var (code, output) = CommandLineChecksTests.Run(["compare", .. args]);
            Assert.Equal(2, code);
            Assert.Contains(message, output);
        }
        var (c, o) = CommandLineChecksTests.Run("study", "placement", "--depths", "2,4");
        Assert.Equal(2, c);
        Assert.Contains("not --arch cnn", o);
    }

    private string[] Tiny(params string[] extra) =>
        ["study", "depth", "--data", "subset", "--train-samples", "64", "--test-samples", "32", "--epochs", "1", "--seeds", "2", "--depths", "2,4",
         "--threads", "2", "--json", Path.Combine(dir, "d.json"), "--out", Path.Combine(dir, "d.html"), .. extra];

    [Fact]
    public void DryRunStatesTheSetupAndTheEstimateAndTrainsNothing()
    {
        var (code, output) = CommandLineChecksTests.Run(Tiny("--dry-run"));
        Assert.True(code == 0, output);
        Assert.Contains("Does normalization matter more in deeper networks?", output);
        Assert.Contains("depth 2, 4 (normalized hidden layers)", output);
        var study = Studies.Get("depth").Settings;
        Assert.Matches($@"estimated time: \d+ s for {study.Norms.Count * 2 * 2} run\(s\) to train", output);
        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    public void TinyStudyAnswersPerDepthAndResumes()
    {
        var (code, output) = CommandLineChecksTests.Run(Tiny());
        Assert.True(code == 0, output);
        var root = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "d.json")))!.AsObject();
        var norms = Studies.Get("depth").Settings.Norms;
        var runs = root["runs"]!.AsArray();
        Assert.Equal(norms.Count * 2 * 2, runs.Count);
        Assert.Equal([2, 4], runs.Select(r => r!["depth"]!.GetValue<int>()).Distinct().Order());
        Assert.Equal([2, 4], root["settings"]!["depths"]!.AsArray().Select(d => d!.GetValue<int>()));
        var statements = root["study"]!["result"]!.AsArray().Select(s => s!.GetValue<string>()).ToList();
        foreach (var norm in norms.Where(n => n != "none").Select(n => NormalizationCatalog.Get(n).Display))
        {
            foreach (int depth in new[] { 2, 4 })
                Assert.Single(statements, s => s.StartsWith($"Depth {depth}: {norm} ", StringComparison.Ordinal));
            Assert.Single(statements, s => s.StartsWith($"Trend: {norm} minus none against depth", StringComparison.Ordinal));
        }
        Assert.Single(statements, s => s.StartsWith("Runs that trained at depths 2, 4: None ", StringComparison.Ordinal));
        var report = WebUtility.HtmlDecode(File.ReadAllText(Path.Combine(dir, "d.html")));
        Assert.Contains("data-chart=\"depth-before-b64\"", report);
        Assert.All(statements, s => Assert.Contains(s, report));
        Assert.Contains("What it does not show:", report);

        (code, output) = CommandLineChecksTests.Run(Tiny());
        Assert.True(code == 0, output);
        Assert.Contains($"{runs.Count} run(s) already in", output);
        (code, output) = CommandLineChecksTests.Run([.. Tiny().Select(a => a == "2,4" ? "2,8" : a)]);
        Assert.Equal(2, code);
        Assert.Contains("cannot be resumed", output);
    }
}

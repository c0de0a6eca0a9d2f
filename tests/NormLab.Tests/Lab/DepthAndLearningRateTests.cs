using System.Net;
using System.Text.Json.Nodes;
using NormLab.Cli.Lab;
using Xunit;

namespace NormLab.Tests.Lab;

/// <summary>
/// The depth axis and the learning-rate axis together: a run's key, the cells, the pairing, the sweeps, the answer
/// and the report keep the depths and the learning rates apart, the JSON keeps both, and a tiny comparison trains each.
/// </summary>
[Collection("console")]
public sealed class DepthAndLearningRateTests() : TemporaryFolderTests("normlab-depth-lr-")
{
    /// <summary>None and BatchNorm at depths 2 and 4, Adam at 0.001 and 0.01, seeds 42 and 43: a different accuracy for each
    /// (norm, depth, rate), so that mixing two cells shows in their means.</summary>
    private static ComparisonResult Result()
    {
        var settings = new CompareSettings
        {
            Arch = "plain-cnn", Norms = ["none", "batch"], BatchSizes = [64], Placements = [Placement.Before], Depths = [2, 4],
            LearningRates = [1e-3, 1e-2], Seeds = 2, Epochs = 1,
        };
        var runs = new List<RunResult>();
        foreach (var norm in settings.Norms)
            foreach (int depth in settings.Depths)
                foreach (double rate in settings.LearningRates)
                    for (int k = 0; k < 2; k++)
                    {
                        double accuracy = 0.5 + (norm == "batch" ? 0.1 : 0) + 0.01 * depth + (rate == 1e-2 ? 0.05 : 0) + 0.01 * k;
                        var run = RunClassificationTests.History(norm, 64, 42 + k, (0.5, 0.8, accuracy)) with { Depth = depth, LearningRate = rate };
                        run.InitialTestLoss = 2.3;
                        runs.Add(run);
                    }
        return new ComparisonResult(settings, "fake", 100, 50, [28, 28, 1], DateTime.UtcNow, 1, runs);
    }

    [Fact]
    public void CellsPairingAndSweepsKeepEachDepthAndLearningRateApart()
    {
        var result = Result();
        Assert.Equal(result.Runs.Count, result.Runs.Select(r => r.Key).Distinct().Count());
        var cells = result.Cells;
        Assert.Equal(2 * 2 * 2, cells.Count);
        Assert.All(cells, c => Assert.Equal(2, c.Trained));
        var cell = cells.Single(c => c.Norm == "batch" && c.Depth == 4 && c.LearningRate == 1e-2);
        Assert.Equal(0.5 + 0.1 + 0.04 + 0.05 + 0.005, cell.TestAccuracy.Mean, 12);
        var none = cells.Single(c => c.Norm == "none" && c.Depth == 4 && c.LearningRate == 1e-2);
        var difference = PairedDifference.OfAccuracy(result, cell, none);
        Assert.Equal(2, difference.Pairs);
        Assert.Equal(10, difference.Difference.Mean, 9);

        var sweeps = LearningRateSweep.Of(result);
        Assert.Equal([("none", 2), ("none", 4), ("batch", 2), ("batch", 4)], sweeps.Select(w => (w.Norm, (int)w.Depth!)));
        Assert.All(sweeps, w => Assert.Equal([1e-3, 1e-2], w.LearningRates));
        Assert.All(sweeps, w => Assert.Equal(4, w.Runs));
        Assert.Equal(4, sweeps[3].Sibling(sweeps, "none")!.Depth);

        // The depth study's answer per (depth, learning rate), each said with its learning rate.
        var answer = DepthAnswer.Of(result);
        Assert.Contains(answer, a => a.StartsWith("Depth 4 (batch size 64, before the activation, Adam at learning rate 0.01): BatchNorm 69.5%", StringComparison.Ordinal));
        Assert.Equal(2, answer.Count(a => a.StartsWith("Trend", StringComparison.Ordinal)));
    }

    [Fact]
    public void JsonKeepsBothAndTheReportChartsEachDepthAndLearningRate()
    {
        var result = Result();
        string path = Path.Combine(dir, "r.json");
        ResultsJson.Write(result, path);
        var back = ResultsJson.Read(path);
        Assert.Equal(result.Runs.Select(r => r.Key), back.Runs.Select(r => r.Key));
        Assert.Equal(result.Cells.Select(c => (c.Norm, c.Depth, c.LearningRate, c.TestAccuracy.Mean)),
            back.Cells.Select(c => (c.Norm, c.Depth, c.LearningRate, c.TestAccuracy.Mean)));
        var sweeps = JsonNode.Parse(File.ReadAllText(path))!["learning_rate_sweeps"]!.AsArray();
        Assert.Equal([2, 4, 2, 4], sweeps.Select(w => w!["depth"]!.GetValue<int>()));

        var report = WebUtility.HtmlDecode(HtmlReport.Render(result));
        foreach (int depth in new[] { 2, 4 })
        {
            Assert.Contains($"data-chart=\"loss-before-b64-adam-lr0.001-d{depth}\"", report);
            Assert.Contains($"data-chart=\"loss-before-b64-adam-lr0.01-d{depth}\"", report);
            Assert.Contains($"data-chart=\"learning-rate-before-b64-d{depth}-adam\"", report);
            Assert.Contains(Findings.Compute(result), f => f.StartsWith($"Depth {depth}: ", StringComparison.Ordinal));
        }
        Assert.Contains("data-chart=\"depth-before-b64-adam-lr0.001\"", report);
        Assert.Contains("data-chart=\"depth-before-b64-adam-lr0.01\"", report);
    }

    [Fact]
    public void ATinyComparisonTrainsEveryDepthAtEveryLearningRate()
    {
        string json = Path.Combine(dir, "t.json"), html = Path.Combine(dir, "t.html");
        var (code, output) = CommandLineChecksTests.Run("compare", "--arch", "plain-mlp", "--depths", "1,2", "--learning-rates", "0.001,0.01",
            "--data", "subset", "--train-samples", "64", "--test-samples", "32", "--epochs", "1", "--norms", "none,batch", "--batch-sizes", "32",
            "--threads", "2", "--json", json, "--out", html);
        Assert.True(code == 0, output);
        var runs = ResultsJson.Read(json).Runs;
        Assert.Equal(2 * 2 * 2, runs.Count);
        Assert.Equal(runs.Count, runs.Select(r => (r.Norm, r.Depth, r.LearningRate)).Distinct().Count());
        // Seed 42 starts from the same weights at both learning rates of a depth, and from other weights at another depth.
        foreach (var norm in new[] { "none", "batch" })
        {
            Assert.All(new[] { 1, 2 }, d => Assert.Single(runs.Where(r => r.Norm == norm && r.Depth == d).Select(r => r.InitialTestLoss).Distinct()));
            Assert.NotEqual(runs.First(r => r.Norm == norm && r.Depth == 1).Parameters, runs.First(r => r.Norm == norm && r.Depth == 2).Parameters);
        }
    }
}

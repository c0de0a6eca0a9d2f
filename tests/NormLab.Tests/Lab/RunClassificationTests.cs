using System.Text.Json.Nodes;
using NormLab.Cli.Lab;
using Xunit;

namespace NormLab.Tests.Lab;

/// <summary>The rule that sorts runs into trained, diverged, collapsed and stopped, on hand-made histories.</summary>
public sealed class RunClassificationTests() : TemporaryFolderTests("normlab-status-")
{
    /// <summary>A run with one (loss, training accuracy, test accuracy) per epoch.</summary>
    internal static RunResult History(string norm, int batch, int seed, params (double Loss, double Train, double Test)[] epochs)
    {
        var run = new RunResult(norm, "before", batch, seed, 1000);
        foreach (var (loss, train, test) in epochs)
        {
            run.EpochLoss.Add(loss);
            run.EpochTrainAccuracy.Add(train);
            run.EpochTestAccuracy.Add(test);
            run.EpochTestLoss.Add(loss);
            run.EpochSeconds.Add(1);
            run.EpochCpuSeconds.Add(2);
        }
        run.LossCurve.AddRange([[0.5, 1.2], [1.0, 0.8]]);
        return run;
    }

    [Theory]
    [InlineData(0.6, 0.70, 0.72, 10, "Trained")]
    [InlineData(16.1, 0.10, 0.10, 10, "Collapsed")]    // the BatchNorm at batch 2: confident, constant, wrong
    [InlineData(2.30, 0.10, 0.11, 10, "Collapsed")]    // never left the uniform prediction
    [InlineData(0.9, 0.60, 0.15, 10, "Collapsed")]     // test accuracy exactly at 1/10 + 5 points
    [InlineData(0.9, 0.60, 0.151, 10, "Trained")]      // just above it
    [InlineData(2.49, 0.40, 0.56, 10, "Trained")]      // mean loss above ln 10, but learned: the loss is no criterion
    [InlineData(2.0, 0.14, 0.40, 10, "Collapsed")]     // training accuracy at chance over the whole epoch
    [InlineData(0.6, 0.54, 0.70, 2, "Collapsed")]      // two classes: chance is 50%, the margin takes it to 55%
    [InlineData(0.6, 0.56, 0.70, 2, "Trained")]
    public void TheFinalEpochDecides(double loss, double train, double test, int classes, string expected)
    {
        var run = History("batch", 2, 42, (2.3, 0.1, 0.1), (loss, train, test));
        Assert.Equal(Enum.Parse<RunStatus>(expected), RunClassification.Classify(run, classes, epochs: 2));
    }

    [Fact]
    public void ARunThatRecoversFromChanceInALaterEpochTrained()
    {
        var run = History("batch", 2, 42, (16.1, 0.1, 0.1), (0.7, 0.75, 0.78));
        Assert.Equal(RunStatus.Trained, RunClassification.Classify(run, 10, 2));
        Assert.Equal(RunStatus.Collapsed, RunClassification.Classify(History("batch", 2, 42, (0.7, 0.75, 0.78), (16.1, 0.1, 0.1)), 10, 2));
    }

    [Fact]
    public void NonFiniteLossDivergesAndMissingEpochsStop()
    {
        var flagged = History("batch", 2, 42, (0.7, 0.75, 0.78));
        flagged.Diverged = true;
        Assert.Equal(RunStatus.Diverged, RunClassification.Classify(flagged, 10, 1));
        Assert.Equal(RunStatus.Diverged, RunClassification.Classify(History("batch", 2, 42, (double.NaN, 0.1, 0.1)), 10, 1));
        Assert.Equal(RunStatus.Diverged, RunClassification.Classify(History("batch", 2, 42, (0.7, 0.7, 0.7), (double.PositiveInfinity, 0.1, 0.1)), 10, 2));
        // A diverged run that stopped early is diverged, not stopped.
        Assert.Equal(RunStatus.Diverged, RunClassification.Classify(flagged, 10, 3));
        Assert.Equal(RunStatus.Stopped, RunClassification.Classify(History("batch", 2, 42, (0.7, 0.75, 0.78)), 10, 3));
        Assert.Contains("stopped after 1 epoch(s)", RunClassification.Reason(History("batch", 2, 42, (0.7, 0.75, 0.78)), RunStatus.Stopped));
    }

    [Fact]
    public void MeansLeaveOutTheRunsThatDidNotTrainAndSaySo()
    {
        // The issue: three seeds of BatchNorm at batch 2, one at chance level (loss 16.1, accuracy 10%).
        var settings = new CompareSettings { Norms = ["batch"], BatchSizes = [2], Seeds = 3, Epochs = 1 };
        var result = new ComparisonResult(settings, "fake", 100, 50, [28, 28, 1], DateTime.UtcNow, 1,
            [History("batch", 2, 42, (0.5, 0.80, 0.80)), History("batch", 2, 43, (16.1, 0.10, 0.10)), History("batch", 2, 44, (0.5, 0.82, 0.84))]);
        var cell = Assert.Single(result.Cells);
        Assert.Equal(3, cell.Runs);
        Assert.Equal(2, cell.Trained);
        Assert.Equal(0.82, cell.TestAccuracy.Mean, 12);   // not (0.80 + 0.10 + 0.84) / 3
        Assert.Contains("seed 43 collapsed to chance level: test accuracy 10.0%", Assert.Single(cell.NotTrained));
        var findings = Findings.Compute(result);
        Assert.StartsWith("2 of 3 runs trained; the means and comparisons leave out: BatchNorm before b=2 seed 43 (collapsed to chance level: test accuracy 10.0%", findings[0]);
        Assert.Contains("82.0%", Findings.Accuracy(cell));
        Assert.Contains("2 of 3 runs trained", Findings.Accuracy(cell));
        var report = HtmlReport.Render(result);
        Assert.Contains("Runs that did not train", report);
        Assert.Contains("2 of 3", report);
    }

    [Fact]
    public void TheJsonCarriesTheStatusAndOldFilesWithoutItStillRead()
    {
        var settings = new CompareSettings { Norms = ["batch"], BatchSizes = [2], Seeds = 2, Epochs = 1 };
        var result = new ComparisonResult(settings, "fake", 100, 50, [28, 28, 1], DateTime.UtcNow, 1,
            [History("batch", 2, 42, (0.5, 0.80, 0.80)), History("batch", 2, 43, (16.1, 0.10, 0.10))]) { Classes = 10 };
        string path = Path.Combine(dir, "r.json");
        ResultsJson.Write(result, path);
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        Assert.Equal(["trained", "collapsed"], root["runs"]!.AsArray().Select(r => r!["status"]!.GetValue<string>()));
        Assert.Equal(10, root["classes"]!.GetValue<int>());
        Assert.Equal(1, root["summary"]![0]!["trained"]!.GetValue<int>());

        // A file from before the status existed: no "status", no "classes". It is classified again on reading.
        foreach (var run in root["runs"]!.AsArray()) run!.AsObject().Remove("status");
        root.Remove("classes");
        File.WriteAllText(path, root.ToJsonString());
        var read = ResultsJson.Read(path);
        Assert.Equal([RunStatus.Trained, RunStatus.Collapsed], read.Runs.Select(read.StatusOf));
    }
}

using System.Net;
using System.Text.Json.Nodes;
using NormLab.Cli.Lab;
using Xunit;

namespace NormLab.Tests.Lab;

/// <summary>
/// The learning-rate axis of `normlab compare` (--learning-rates, --optimizer): parsing, the JSON with and without
/// it, the LR sensitivity of Wortsman et al. on hand-computed values, and a tiny sweep end to end.
/// </summary>
[Collection("console")]
public sealed class LearningRateTests() : TemporaryFolderTests("normlab-lr-")
{
    private static (int code, string output) Run(params string[] args) => CommandLineChecksTests.Run(args);

    [Theory]
    [InlineData("--learning-rates", "0.001,abc", "--learning-rates must list positive numbers, received 'abc'")]
    [InlineData("--learning-rates", "0.01,0", "--learning-rates must list positive numbers, received '0'")]
    [InlineData("--learning-rate", "-1", "--learning-rate must list positive numbers, received '-1'")]
    [InlineData("--learning-rates", "NaN", "--learning-rates must list positive numbers, received 'NaN'")]
    [InlineData("--optimizer", "adam,rmsprop", "unknown --optimizer 'rmsprop'; expected one of adam, sgd")]
    public void BadValuesAreRefusedNamingTheOptionAndTheValue(string option, string value, string message)
    {
        var (code, output) = Run("compare", "--data", "subset", option, value, "--json", Path.Combine(dir, "r.json"));
        Assert.Equal(2, code);
        Assert.Contains(message, output);
        Assert.False(File.Exists(Path.Combine(dir, "r.json")));
    }

    [Fact]
    public void OneLearningRateOrAListNotBoth()
    {
        var (code, output) = Run("compare", "--learning-rate", "0.01", "--learning-rates", "0.01,0.1");
        Assert.Equal(2, code);
        Assert.Contains("give --learning-rate (one value) or --learning-rates (a list), not both", output);
    }

    [Fact]
    public void SensitivityIsTheMeanCappedLossMinusTheBest()
    {
        // Capped at ℓ0 = 2.3: 0.5, 0.3 and (diverged) 2.3, mean 1.0333; the best is 0.3.
        Assert.Equal(3.1 / 3 - 0.3, LearningRateSweep.Of([0.5, 0.3, double.NaN], [2.3, 2.3, 2.3]), 12);
        // A finite loss above ℓ0 counts as ℓ0: (0.4 + 2.0) / 2 - 0.4.
        Assert.Equal(0.8, LearningRateSweep.Of([0.4, 3.0], [2.0, 2.0]), 12);
        // Every rate as good as the best: 0.
        Assert.Equal(0, LearningRateSweep.Of([0.7, 0.7], [2.3, 2.3]), 12);
        Assert.True(double.IsNaN(LearningRateSweep.Of([double.NaN, double.PositiveInfinity], [2.3, 2.3])));
        Assert.Contains("one initial loss per final loss", Assert.Throws<ArgumentException>(() => LearningRateSweep.Of([0.5], [2.3, 2.3])).Message);
    }

    /// <summary>A trained run at one learning rate: final test loss <paramref name="loss"/>, ℓ0 2.3 (the tests' hand values).</summary>
    private static RunResult Run(string norm, double rate, int seed, double loss, double accuracy, string optimizer = "sgd")
    {
        var run = RunClassificationTests.History(norm, 16, seed, (loss, 0.8, accuracy)) with { LearningRate = rate, Optimizer = optimizer };
        run.EpochTestLoss[^1] = loss;
        run.InitialTestLoss = 2.3;
        return run;
    }

    /// <summary>None and BatchNorm with SGD at 0.01 and 0.1 over seeds 42, 43, 44: None diverges at 0.1 on every seed.</summary>
    private static ComparisonResult Sweep()
    {
        var settings = new CompareSettings { Norms = ["none", "batch"], BatchSizes = [16], Optimizers = ["sgd"], LearningRates = [0.01, 0.1], Seeds = 3, Epochs = 1 };
        var runs = new List<RunResult>();
        double[] batchLow = [0.50, 0.52, 0.54], batchHigh = [0.40, 0.40, 0.41], noneLow = [0.60, 0.66, 0.62];
        for (int k = 0; k < 3; k++)
        {
            runs.Add(Run("none", 0.01, 42 + k, noneLow[k], 0.78));
            var diverged = RunClassificationTests.History("none", 16, 42 + k, (double.NaN, 0.1, 0.1)) with { LearningRate = 0.1, Optimizer = "sgd" };
            diverged.InitialTestLoss = 2.3;
            runs.Add(diverged);
            runs.Add(Run("batch", 0.01, 42 + k, batchLow[k], 0.80 + 0.01 * k));
            runs.Add(Run("batch", 0.1, 42 + k, batchHigh[k], 0.84 + 0.01 * k));
        }
        return new ComparisonResult(settings, "fake", 100, 50, [28, 28, 1], DateTime.UtcNow, 1, runs);
    }

    [Fact]
    public void SweepsCountFailuresFindTheLargestTrainedRateAndPairTheSensitivityBySeed()
    {
        var result = Sweep();
        var sweeps = LearningRateSweep.Of(result);
        var none = Assert.Single(sweeps, s => s.Norm == "none");
        var batch = Assert.Single(sweeps, s => s.Norm == "batch");
        // None, seed 42: (0.60 + 2.3) / 2 - 0.60 = 0.85; seeds 43 and 44: 0.82, 0.84.
        Assert.Equal([0.85, 0.82, 0.84], none.SensitivityBySeed.OrderBy(p => p.Key).Select(p => Math.Round(p.Value, 12)));
        // BatchNorm: (0.50 + 0.40) / 2 - 0.40 = 0.05, then 0.06, 0.065.
        Assert.Equal([0.05, 0.06, 0.065], batch.SensitivityBySeed.OrderBy(p => p.Key).Select(p => Math.Round(p.Value, 12)));
        Assert.Equal((3, 0, 0.01), (none.Diverged, none.Collapsed, none.LargestTrained));
        Assert.Equal((0, 0, 0.1), (batch.Diverged, batch.Collapsed, batch.LargestTrained));
        // Differences -0.80, -0.76, -0.775: mean -0.7783, sd 0.0202, far from 0 for 2 degrees of freedom.
        var difference = batch.Against(none);
        Assert.Equal(-0.778333, difference.Difference.Mean, 5);
        Assert.True(difference.Real);
        Assert.StartsWith("a real difference (paired over 3 seeds: -0.778 nats", difference.Verdict("nats", 3));

        var findings = Findings.Compute(result);
        Assert.Contains(findings, f => f.StartsWith("Learning-rate sensitivity (Wortsman et al. 2023)", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.StartsWith("BatchNorm (before, batch 16, SGD (momentum 0.9)): every seed trained up to learning rate 0.1 (0 of 6 runs diverged, 0 collapsed); " +
            "LR sensitivity 0.058 ± 0.019 nats (95% CI, 3 seed(s)); against None: a real difference", StringComparison.Ordinal));
        // The per-rate comparisons say at which rate they were made.
        Assert.Contains(findings, f => f.StartsWith("At batch size 16 (SGD (momentum 0.9) at learning rate 0.01), BatchNorm had the highest", StringComparison.Ordinal));
    }

    [Fact]
    public void TheLearningRateStudyAnswersPerNormalizationAgainstNone()
    {
        var answer = LearningRateAnswers.LearningRate(Sweep());
        Assert.Equal(2, answer.Count);
        Assert.StartsWith("None (before, batch 16, SGD (momentum 0.9)): every seed trained up to learning rate 0.01 (3 of 6 runs diverged", answer[0]);
        Assert.DoesNotContain("against", answer[0]);
        // At 0.1 no None seed trained: the accuracies cannot be paired there.
        Assert.Contains("At learning rate 0.1, the largest where it trained, its test accuracy was 85.0% ± 2.5 (95% CI) against None's no run trained (seed 42 diverged", answer[1]);
        Assert.EndsWith("the difference is not comparable: no seed trained in both.", answer[1]);
    }

    [Fact]
    public void JsonKeepsEveryRunsLearningRateAndOlderFilesStillLoad()
    {
        string path = Path.Combine(dir, "sweep.json");
        var result = Sweep();
        ResultsJson.Write(result, path);
        var read = ResultsJson.Read(path);
        Assert.Equal([0.01, 0.1], read.Settings.LearningRates);
        Assert.Equal(["sgd"], read.Settings.Optimizers);
        Assert.Equal(result.Runs.Select(r => r.Key), read.Runs.Select(r => r.Key));
        Assert.All(read.Runs, r => Assert.Equal(2.3, r.InitialTestLoss));
        Assert.Equal(4, read.Cells.Count);
        var sweeps = JsonNode.Parse(File.ReadAllText(path))!["learning_rate_sweeps"]!.AsArray();
        Assert.Equal(0.1, sweeps.Single(s => s!["norm"]!.GetValue<string>() == "batch")!["largest_trained"]!.GetValue<double>());

        // A file from before the axis: one "learning_rate" in the settings, none per run, no loss at initialization.
        var old = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var settings = old["settings"]!.AsObject();
        settings.Remove("learning_rates");
        settings.Remove("optimizers");
        settings["learning_rate"] = 0.003;
        foreach (var run in old["runs"]!.AsArray())
        {
            run!.AsObject().Remove("learning_rate");
            run.AsObject().Remove("optimizer");
            run.AsObject().Remove("initial_test_loss");
        }
        old["runs"] = new JsonArray(old["runs"]!.AsArray().Where(r => r!["seed"]!.GetValue<int>() == 42 && r["norm"]!.GetValue<string>() == "batch")
            .Select(r => r!.DeepClone()).Take(1).ToArray());
        File.WriteAllText(path, old.ToJsonString());
        var older = ResultsJson.Read(path);
        Assert.Equal([0.003], older.Settings.LearningRates);
        var single = Assert.Single(older.Runs);
        Assert.Equal(("adam", 0.003), (single.Optimizer, single.LearningRate));
        Assert.True(double.IsNaN(single.InitialTestLoss));
        Assert.Empty(LearningRateSweep.Of(older));
    }

    [Fact]
    public void ATinySweepTrainsEveryRatePairsTheSeedsAndChartsAccuracyAgainstTheRate()
    {
        string json = Path.Combine(dir, "r.json"), html = Path.Combine(dir, "r.html");
        var (code, output) = Run("compare", "--arch", "cnn", "--data", "subset", "--train-samples", "64", "--test-samples", "32", "--epochs", "1", "--seeds", "2",
            "--norms", "none,batch", "--batch-sizes", "16", "--learning-rates", "0.001,0.01", "--optimizer", "sgd", "--threads", "2", "--json", json, "--out", html);
        Assert.True(code == 0, output);
        var root = JsonNode.Parse(File.ReadAllText(json))!.AsObject();
        var runs = root["runs"]!.AsArray();
        Assert.Equal(2 * 2 * 2, runs.Count);
        Assert.Equal([0.001, 0.01], runs.Select(r => r!["learning_rate"]!.GetValue<double>()).Distinct().Order());
        Assert.All(runs, r => Assert.Equal("sgd", r!["optimizer"]!.GetValue<string>()));
        Assert.All(runs, r => Assert.InRange(r!["initial_test_loss"]!.GetValue<double>(), 1, 5));
        // Seed k starts from the same weights at every rate: the loss before training is the same.
        foreach (var group in runs.GroupBy(r => (r!["norm"]!.GetValue<string>(), r["seed"]!.GetValue<int>())))
            Assert.Single(group.Select(r => r!["initial_test_loss"]!.GetValue<double>()).Distinct());
        Assert.Equal(2, root["learning_rate_sweeps"]!.AsArray().Count);
        var report = WebUtility.HtmlDecode(File.ReadAllText(html));
        Assert.Contains("data-chart=\"learning-rate-before-b16-sgd\"", report);
        Assert.Contains("<th>learning rate</th>", report);
        Assert.Contains("Which normalization tolerates high learning rates?", report);
        Assert.Contains("SGD (momentum 0.9) at learning rates 0.001, 0.01", report);
    }
}

using NormLab.Cli.Lab;
using Xunit;

namespace NormLab.Tests.Lab;

/// <summary>The wording of the findings on constructed results: real only when the paired t-test says so.</summary>
public sealed class FindingsTests
{
    /// <summary>BatchNorm and LayerNorm at batch 8, one run per seed, with the given test accuracies (points).</summary>
    private static ComparisonResult Result(double[] batch, double[] layer)
    {
        var settings = new CompareSettings { Norms = ["batch", "layer"], BatchSizes = [8], Seeds = batch.Length, Epochs = 1 };
        var runs = new List<RunResult>();
        for (int k = 0; k < batch.Length; k++)
        {
            runs.Add(RunClassificationTests.History("batch", 8, 42 + k, (0.5, 0.8, batch[k] / 100)));
            runs.Add(RunClassificationTests.History("layer", 8, 42 + k, (0.5, 0.8, layer[k] / 100)));
        }
        return new ComparisonResult(settings, "fake", 100, 50, [28, 28, 1], DateTime.UtcNow, 1, runs);
    }

    [Fact]
    public void AConsistentPairedDifferenceIsReal()
    {
        // Differences 4, 5, 6 points: t = 5 / (1 / sqrt 3) = 8.66 with 2 degrees of freedom, p = 1 - t / sqrt(t² + 2) = 0.0131;
        // the interval is 5 ± t(0.975, 2) / sqrt 3 = 5 ± 2.48.
        var findings = Findings.Compute(Result([80, 81, 82], [76, 76, 76]));
        Assert.Contains(findings, f => f.StartsWith("At batch size 8, BatchNorm had the highest mean test accuracy (81.0% ± 2.5 (95% CI)), +5.0 points ahead of LayerNorm (76.0%", StringComparison.Ordinal)
            && f.EndsWith("a real difference (paired over 3 seeds: +5.0 points, 95% CI [+2.5, +7.5], p = 0.013).", StringComparison.Ordinal));
        Assert.DoesNotContain(findings, f => f.Contains("one seed", StringComparison.Ordinal));
    }

    [Fact]
    public void ADifferenceTheSeedsDisagreeOnIsWithinNoise()
    {
        // Differences +3, -1, +1: mean 1, sd 2, t = 0.866, p = 1 - 0.866 / sqrt(2.75) = 0.478; interval 1 ± 4.97.
        var findings = Findings.Compute(Result([80, 76, 78], [77, 77, 77]));
        Assert.Contains(findings, f => f.EndsWith("within noise (paired over 3 seeds: +1.0 points, 95% CI [-4.0, +6.0], p = 0.478).", StringComparison.Ordinal));
        Assert.DoesNotContain(findings, f => f.Contains("a real difference", StringComparison.Ordinal));
    }

    [Fact]
    public void TheUnpairedSpreadDoesNotDecide()
    {
        // Each configuration varies by 10 points from seed to seed, but BatchNorm is 1 point ahead on every seed:
        // unpaired, the intervals overlap; paired, the difference is real.
        var findings = Findings.Compute(Result([71, 81, 91], [70, 80.1, 89.9]));
        Assert.Contains(findings, f => f.Contains("a real difference (paired over 3 seeds", StringComparison.Ordinal));
    }

    [Fact]
    public void WithOneSeedNoDifferenceIsJudged()
    {
        var findings = Findings.Compute(Result([90], [70]));
        Assert.Contains(findings, f => f.StartsWith("With one seed per configuration, no difference between configurations can be judged", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.EndsWith("+20.0 points ahead of LayerNorm (70.0%): not judged, one seed.", StringComparison.Ordinal));
        Assert.DoesNotContain(findings, f => f.Contains("real", StringComparison.Ordinal) || f.Contains("within noise", StringComparison.Ordinal));
    }

    [Fact]
    public void OnlySeedsThatTrainedInBothArePaired()
    {
        var result = Result([80, 81, 82], [76, 76, 76]);
        // Seed 43 of LayerNorm collapses: two pairs are left (differences 4 and 6).
        var collapsed = result.Runs.Single(r => r.Norm == "layer" && r.Seed == 43);
        collapsed.EpochTestAccuracy[^1] = 0.1;
        var findings = Findings.Compute(result);
        Assert.StartsWith("5 of 6 runs trained", findings[0]);
        Assert.Contains(findings, f => f.Contains("LayerNorm (76.0% ± 0.0 (95% CI), 2 of 3 runs trained)", StringComparison.Ordinal)
            && f.Contains("paired over 2 seeds: +5.0 points", StringComparison.Ordinal));
    }

    [Fact]
    public void AReportOfAQuickRunSaysWhatItCannotShowAndNamesTheStudies()
    {
        var result = Result([90], [70]);
        string scope = Scope.Of(result);
        Assert.Contains("It cannot show which normalization is better: with one seed no difference can be told from run-to-run noise", scope);
        Assert.Contains("normlab study batch-size", scope);
        Assert.Contains(scope, HtmlReport.Render(result));
        Assert.Contains("with 3 seeds only differences larger than the seed-to-seed noise are called real", Scope.Of(Result([80, 81, 82], [76, 76, 76])));
    }
}

using NormLab.Cli.Lab;
using Xunit;

namespace NormLab.Tests.Lab;

/// <summary>The result statements of the studies on constructed results (the collapsed batch norm at batch 2 included).</summary>
public sealed class StudiesTests
{
    private static ComparisonResult Result(string study, IReadOnlyList<Placement> placements, params (string Norm, string Placement, int Batch, double[] Accuracy)[] cells)
    {
        var settings = new CompareSettings
        {
            Norms = cells.Select(c => c.Norm).Distinct().ToList(), BatchSizes = cells.Select(c => c.Batch).Distinct().ToList(),
            Placements = placements, Seeds = cells[0].Accuracy.Length, Epochs = 1,
        };
        var runs = cells.SelectMany(c => c.Accuracy.Select((a, k) =>
        {
            // A collapsed run: the loss 16.1 at 10% accuracy.
            var run = RunClassificationTests.History(c.Norm, c.Batch, 42 + k, a <= 0.1 ? (16.1, 0.1, a) : (0.5, 0.8, a));
            return run with { Placement = c.Placement };
        })).ToList();
        return new ComparisonResult(settings, "fake", 100, 50, [28, 28, 1], DateTime.UtcNow, 1, runs) { Study = study };
    }

    [Fact]
    public void BatchSizeLeavesOutTheCollapsedSeedAndPairsTheRest()
    {
        var result = Result("batch-size", [Placement.Before],
            ("batch", "before", 2, [0.60, 0.62, 0.10]), ("batch", "before", 64, [0.80, 0.81, 0.82]),
            ("group", "before", 2, [0.78, 0.79, 0.80]), ("group", "before", 64, [0.78, 0.79, 0.80]));
        var answer = Studies.Get("batch-size").Answer(result);
        // Seeds 42 and 43: differences -20 and -19; t = -39 with 1 degree of freedom, p = (2/π) atan(1/39) = 0.016;
        // the interval is -19.5 ± t(0.975, 1) · 0.7071 / sqrt 2 = -19.5 ± 6.35.
        Assert.Equal([
            "BatchNorm: 61.0% ± 12.7 (95% CI), 2 of 3 runs trained at batch size 2 against 81.0% ± 2.5 (95% CI) at 64; " +
                "the change is a real difference (paired over 2 seeds: -19.5 points, 95% CI [-25.9, -13.1], p = 0.016).",
            "GroupNorm: 79.0% ± 2.5 (95% CI) at batch size 2 against 79.0% ± 2.5 (95% CI) at 64; the change is within noise (paired over 3 seeds: 0.0 points, 95% CI [0.0, 0.0], p = 1).",
            // The means differ by 18 points, the two seeds both trained by 17.5: p = (2/π) atan(1/35) = 0.018.
            "At batch size 2, GroupNorm against BatchNorm: +18.0 points, a real difference (paired over 2 seeds: +17.5 points, 95% CI [+11.1, +23.9], p = 0.018).",
        ], answer);
    }

    [Fact]
    public void PlacementSaysWhenACellHasNoTrainedRun()
    {
        var result = Result("placement", [Placement.Before, Placement.After],
            ("batch", "before", 8, [0.80, 0.81]), ("batch", "after", 8, [0.10, 0.10]));
        var statement = Assert.Single(Studies.Get("placement").Answer(result));
        Assert.StartsWith("BatchNorm at batch size 8: 80.5% ± 6.4 (95% CI) before the activation, no run trained (seed 42 collapsed to chance level: test accuracy 10.0%", statement);
        Assert.EndsWith("after.", statement);
        Assert.DoesNotContain("minus", statement);
    }
}

using System.Text.Json.Nodes;
using NormLab.Cli.Lab;
using Xunit;

namespace NormLab.Tests.Lab;

/// <summary>The lab's t-quantiles, intervals and paired t-tests against SciPy (tests/reference/make_statistics_fixtures.py).</summary>
public class PairedStatisticsTests
{
    private static readonly JsonObject Fixture = (JsonObject)JsonNode.Parse(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "lab", "statistics.json")))!;

    private static double D(JsonNode? node) => node!.GetValue<double>();
    private static double[] Values(JsonNode? node) => node!.AsArray().Select(D).ToArray();

    [Fact]
    public void StudentTQuantilesAndTailsMatchScipy()
    {
        foreach (var q in Fixture["quantiles"]!.AsArray())
            Assert.Equal(D(q!["t"]), PairedStatistics.StudentTQuantile(D(q["p"]), D(q["df"])), 1e-8 * Math.Max(1, D(q["t"])));
        foreach (var t in Fixture["tails"]!.AsArray())
        {
            double expected = D(t!["tail"]);
            Assert.True(Math.Abs(expected - PairedStatistics.StudentTTail(D(t["t"]), D(t["df"]))) <= 1e-12 + 1e-8 * expected,
                $"tail t = {D(t["t"])}, df = {D(t["df"])}");
        }
    }

    [Fact]
    public void IntervalsMatchScipy()
    {
        foreach (var c in Fixture["intervals"]!.AsArray())
        {
            var interval = PairedStatistics.MeanInterval(Values(c!["values"]));
            Assert.Equal(D(c["mean"]), interval.Mean, 1e-12);
            Assert.Equal(D(c["half_width"]), interval.HalfWidth, 1e-10);
        }
    }

    [Fact]
    public void PairedTTestsMatchScipy()
    {
        foreach (var c in Fixture["paired"]!.AsArray())
        {
            var (difference, p) = PairedStatistics.PairedTTest(Values(c!["a"]), Values(c["b"]));
            Assert.Equal(D(c["mean_difference"]), difference.Mean, 1e-12);
            Assert.Equal(D(c["half_width"]), difference.HalfWidth, 1e-10);
            Assert.Equal(D(c["p_value"]), p, 1e-9);
        }
    }

    [Fact]
    public void DegenerateSamplesSayWhatCannotBeJudged()
    {
        Assert.True(double.IsNaN(PairedStatistics.MeanInterval([0.8]).HalfWidth));
        Assert.True(double.IsNaN(PairedStatistics.PairedTTest([0.8], [0.7]).PValue));
        Assert.Equal(0, PairedStatistics.PairedTTest([2, 3], [1, 2]).PValue);
        Assert.Equal(1, PairedStatistics.PairedTTest([0.8, 0.9], [0.8, 0.9]).PValue);
        Assert.Contains("paired", Assert.Throws<ArgumentException>(() => PairedStatistics.PairedTTest([1, 2], [1])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => PairedStatistics.StudentTQuantile(0.3, 4));
    }
}

using NormLab.Cli.Lab;
using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Lab;

public sealed class ReportTests
{
    private static ComparisonResult Fake(bool mixing)
    {
        var settings = new CompareSettings { Norms = ["none", "batch"], BatchSizes = [4, 32], Epochs = 2 };
        var runs = new List<RunResult>();
        foreach (var norm in settings.Norms)
            foreach (int batch in settings.BatchSizes)
            {
                var run = new RunResult(norm, "before", batch, 42, 1000);
                double quality = (norm == "batch" ? 0.1 : 0) + (batch == 32 ? 0.05 : 0);
                run.EpochLoss.AddRange([1.0, 0.6 - quality]);
                run.EpochTrainAccuracy.AddRange([0.6, 0.7]);
                run.EpochTestAccuracy.AddRange([0.6 + quality, 0.7 + quality]);
                run.EpochTestLoss.AddRange([1.0, 0.8]);
                run.EpochSeconds.AddRange([norm == "batch" ? 2.0 : 1.0, 1.0]);
                run.EpochCpuSeconds.AddRange([norm == "batch" ? 4.0 : 2.0, 2.0]);
                run.LossCurve.AddRange([[0.5, 1.2], [1.0, 1.0], [1.5, 0.8], [2.0, 0.6]]);
                if (mixing && norm == "batch")
                    run.Mixing.Add(new MixingReport("sn_1", "mean weights", ["IN", "LN", "BN"], [0.2, 0.3, 0.5]));
                runs.Add(run);
            }
        return new ComparisonResult(settings, "fake", 100, 50, [28, 28, 1], DateTime.UtcNow, 1, runs);
    }

    [Fact]
    public void MixingSectionOnlyWhenALayerReportsMixing()
    {
        Assert.DoesNotContain("mixing", HtmlReport.Render(Fake(mixing: false)), StringComparison.OrdinalIgnoreCase);
        var report = HtmlReport.Render(Fake(mixing: true));
        Assert.Contains("Learned mixing weights and gates", report);
        Assert.Contains("data-chart=\"mixing-0\"", report);
        Assert.Contains("sn_1: mean weights", report);
    }

    [Fact]
    public void OneEpochShowsAccuracyAsBarsWithOneSeriesPerNormalization()
    {
        var result = Fake(mixing: false);
        var report = HtmlReport.Render(result with { Settings = result.Settings with { Epochs = 1 } });
        int start = report.IndexOf("data-chart=\"accuracy-before-b4\"", StringComparison.Ordinal);
        var chart = report[start..report.IndexOf("</svg>", start, StringComparison.Ordinal)];
        Assert.Contains("Test accuracy after 1 epoch", chart);
        Assert.Contains("data-series=\"None\"", chart);
        Assert.Contains("data-series=\"BatchNorm\"", chart);
        Assert.Contains("<rect", chart);
    }

    [Fact]
    public void FindingsOfAnUnfinishedRunSkipWhatWasNotMeasured()
    {
        var result = Fake(mixing: false);
        result.Runs.RemoveAll(r => r.Norm == "batch" && r.BatchSize == 32);
        var findings = Findings.Compute(result);
        Assert.DoesNotContain(findings, f => f.StartsWith("Going from", StringComparison.Ordinal));
        Assert.Contains("<svg", HtmlReport.Render(result));
    }

    [Fact]
    public void FindingsComeFromTheNumbers()
    {
        var findings = Findings.Compute(Fake(mixing: false));
        Assert.Contains(findings, f => f.Contains("At the smallest batch size, 4, BatchNorm had the highest mean test accuracy (80.0%), +10.0 points ahead of None (70.0%): not judged, one seed."));
        Assert.Contains(findings, f => f.Contains("BatchNorm most expensive (3.0 CPU s; +50% against None)"));
    }

    private sealed class MixingLayer : Layer, IReportsMixing
    {
        public MixingLayer() : base("mixing_layer", null) { }
        protected override Tensor Forward(Tensor x, bool training) => x;
        public IEnumerable<MixingReport> Mixing() => [new MixingReport(Name, "gate ρ", ["0", "1"], [0.3, 0.9])];
    }

    [Fact]
    public void LayersThatReportMixingAreFound()
    {
        var model = new Sequential([new Dense(2, inputShape: [3]), new MixingLayer()]);
        var reports = NormalizationCatalog.MixingOf(model).ToList();
        Assert.Single(reports);
        Assert.Equal("gate ρ", reports[0].Title);
    }

    [Theory]
    [InlineData("cnn")]
    [InlineData("mlp")]
    [InlineData("rnn")]
    public void EveryCatalogEntryBuildsForEveryArchitectureItFits(string arch)
    {
        foreach (var entry in NormalizationCatalog.Entries)
            foreach (var placement in new[] { Placement.Before, Placement.After })
            {
                if ((arch == "mlp" && (entry.MinRank > 2 || entry.Key == "ws")) || (arch == "rnn" && entry.Wrap != null))
                {
                    Assert.Throws<ArgumentException>(() => Architectures.Build(arch, entry, placement, [28, 28, 1], 10));
                    continue;
                }
                var model = Architectures.Build(arch, entry, placement, [28, 28, 1], 10);
                var x = Architectures.Shape(arch, Tensor.Rand(2, 28, 28, 1));
                Assert.Equal([2, 10], model.Predict(x).Shape);
            }
    }

    [Fact]
    public void NiceTicksCoverTheRange()
    {
        Assert.Equal([0, 0.2, 0.4, 0.6, 0.8, 1.0], SvgChart.NiceTicks(0.03, 0.97, 6).Select(t => Math.Round(t, 9)));
        Assert.Equal(8, NormalizationCatalog.GroupCount(64));
        Assert.Equal(6, NormalizationCatalog.GroupCount(6));
    }
}

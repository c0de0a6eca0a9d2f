using NormLab.Cli.Lab;
using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Lab;

/// <summary>
/// The lab's --arch vit and transformer: the models (keras_hub-sized blocks, parameter counts), placements,
/// --norms and --qk-norm variants, errors for combinations that do not exist, and the report's transformer section.
/// </summary>
public sealed class TransformerLabTests
{
    [Theory]
    // Patches 49·64+64, positions 16·64, 4 blocks of 33,472 (keras_hub's TransformerEncoder(128, 4)), Dense 64·10+10.
    [InlineData("vit", "layer", "post", 3_200 + 1_024 + 4 * 33_472 + 650)]
    // Pre-norm adds the final LayerNorm (128).
    [InlineData("vit", "layer", "pre", 3_200 + 1_024 + 4 * 33_472 + 650 + 128)]
    // Rows: Dense(28→64), 28 positions; sandwich has 4 RMSNorm scales per block (4·64) and a final one.
    [InlineData("transformer", "rms", "sandwich", 1_856 + 1_792 + 4 * (33_472 - 256 + 256) + 650 + 64)]
    public void ModelsHaveTheDescribedSize(string arch, string norm, string placement, int parameters)
    {
        var model = Architectures.Build(arch, NormalizationCatalog.Get(norm), Enum.Parse<Placement>(placement, ignoreCase: true), [28, 28, 1], 10);
        Assert.Equal(parameters, model.CountParams());
        var images = GradCheck.Uniform(1, 0, 1, 2, 28, 28, 1);
        Assert.Equal([2, 10], model.Predict(Architectures.Shape(arch, images)).Shape);
    }

    [Fact]
    public void QkNormVariantsReachEveryBlock()
    {
        Assert.Equal(["layer", "dyt", "layer+qk-l2", "dyt+qk-l2"], NormalizationCatalog.WithQkVariants(["layer", "dyt"], ["l2"]));
        var entry = NormalizationCatalog.Get("dyt+qk-l2");
        Assert.Equal(("dyt", "l2", "DyT + QK-L2"), (entry.BaseKey, entry.QkNorm, entry.Display));
        var model = Architectures.Build("vit", entry, Placement.Pre, [28, 28, 1], 10);
        var blocks = model.Layers.OfType<TransformerEncoder>().ToList();
        Assert.Equal(4, blocks.Count);
        Assert.All(blocks, b => Assert.Equal(("dyt", "pre", "l2"), (b.Normalization, b.NormPlacement, b.QkNorm)));
    }

    [Fact]
    public void BadCombinationsAreNamed()
    {
        Assert.Contains("--norms group", Assert.Throws<ArgumentException>(() =>
            Architectures.Build("vit", NormalizationCatalog.Get("group"), Placement.Pre, [28, 28, 1], 10)).Message);
        Assert.Contains("post, pre or sandwich", Assert.Throws<ArgumentException>(() =>
            Architectures.Build("transformer", NormalizationCatalog.Get("layer"), Placement.Before, [28, 28, 1], 10)).Message);
        Assert.Contains("--arch cnn takes before or after", Assert.Throws<ArgumentException>(() =>
            Architectures.Build("cnn", NormalizationCatalog.Get("layer"), Placement.Pre, [28, 28, 1], 10)).Message);
        Assert.Contains("--qk-norm 'dyt'", Assert.Throws<ArgumentException>(() => NormalizationCatalog.Get("layer+qk-dyt")).Message);
    }

    [Fact]
    public void ReportAnswersWhichNormalizationForATransformer()
    {
        var settings = new CompareSettings { Arch = "vit", Norms = ["layer", "dyt"], BatchSizes = [64], Placements = [Placement.Post, Placement.Pre] };
        var runs = new List<RunResult>();
        foreach (var placement in new[] { "post", "pre" })
            foreach (var norm in settings.Norms)
            {
                var run = new RunResult(norm, placement, 64, 42, 1000);
                double accuracy = 0.7 + (norm == "layer" ? 0.05 : 0) + (placement == "pre" ? 0.02 : 0);
                run.EpochLoss.Add(1 - accuracy);
                run.EpochTrainAccuracy.Add(accuracy);
                run.EpochTestAccuracy.Add(accuracy);
                run.EpochTestLoss.Add(1 - accuracy);
                run.EpochSeconds.Add(1);
                run.EpochCpuSeconds.Add(1);
                run.LossCurve.AddRange([[0.5, 1.0], [1.0, 1 - accuracy]]);
                runs.Add(run);
            }
        var result = new ComparisonResult(settings, "fake", 100, 50, [28, 28, 1], DateTime.UtcNow, 1, runs);
        var report = HtmlReport.Render(result);
        Assert.Contains("Which normalization for a transformer?", report);
        Assert.Contains("DyT -5.0 points against LayerNorm", report);
        Assert.Contains("LayerNorm, batch 64: pre placement best, post -2.0 points", report);
        Assert.DoesNotContain("Which normalization for a transformer?", HtmlReport.Render(result with { Settings = settings with { Arch = "cnn" } }));

        // Its JSON reads back (before, `normlab report` refused every placement but before, after and between).
        string path = Path.Combine(Path.GetTempPath(), $"normlab-vit-{Guid.NewGuid():N}.json");
        try
        {
            ResultsJson.Write(result, path);
            Assert.Equal(["post", "post", "pre", "pre"], ResultsJson.Read(path).Runs.Select(r => r.Placement));
        }
        finally
        {
            File.Delete(path);
        }
    }
}

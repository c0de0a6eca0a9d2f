using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NormLab.Cli;
using NormLab.Cli.Lab;
using Xunit;

namespace NormLab.Tests.Lab;

/// <summary>`normlab compare`, `train` and `evaluate` on a tiny slice of the shipped Fashion-MNIST subset.</summary>
[Collection("console")]
public sealed class CompareEndToEndTests() : TemporaryFolderTests("normlab-lab-")
{
    [Fact]
    public void CompareWritesJsonWithEveryRunAndOneChartPerSeries()
    {
        string json = Path.Combine(dir, "results.json"), html = Path.Combine(dir, "report.html");
        // Enough images that every run trains (48 left some at chance level, and the charts show trained runs only).
        int code = CommandLine.Run(["compare", "--arch", "cnn", "--data", "subset", "--train-samples", "256", "--test-samples", "64",
            "--norms", "none,batch,layer,group", "--batch-sizes", "8,16", "--placement", "before,after", "--epochs", "2",
            "--threads", "2", "--json", json, "--out", html]);
        Assert.Equal(0, code);

        var root = JsonNode.Parse(File.ReadAllText(json))!.AsObject();
        Assert.Equal(256, root["train_samples"]!.GetValue<int>());
        Assert.Equal(64, root["test_samples"]!.GetValue<int>());
        var runs = root["runs"]!.AsArray();
        Assert.Equal(4 * 2 * 2, runs.Count);
        foreach (var run in runs)
        {
            Assert.Equal(2, run!["epoch_test_accuracy"]!.AsArray().Count);
            Assert.Equal(2, run["epoch_loss"]!.AsArray().Count);
            Assert.Equal(2, run["epoch_seconds"]!.AsArray().Count);
            Assert.True(run["epoch_cpu_seconds"]!.AsArray().All(v => v!.GetValue<double>() > 0));
            Assert.True(run["loss_curve"]!.AsArray().Count >= 2);
            Assert.InRange(run["test_accuracy"]!.GetValue<double>(), 0, 1);
            Assert.True(run["parameters"]!.GetValue<int>() > 0);
            Assert.Equal("trained", run["status"]!.GetValue<string>());
        }
        Assert.Equal(16, root["summary"]!.AsArray().Count);
        Assert.NotEmpty(root["findings"]!.AsArray());
        Assert.DoesNotContain("NaN", File.ReadAllText(json));

        var report = File.ReadAllText(html);
        Assert.DoesNotContain("<script", report);
        Assert.DoesNotContain("http://", report.Replace("http://www.w3.org/2000/svg", ""));
        var charts = Regex.Matches(report, "<svg class=\"chart\" data-chart=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        string[] expected =
        [
            "loss-before-b8", "accuracy-before-b8", "loss-before-b16", "accuracy-before-b16",
            "loss-after-b8", "accuracy-after-b8", "loss-after-b16", "accuracy-after-b16",
            "batch-size-before", "batch-size-after", "time-before", "time-after", "cpu-before", "cpu-after", "placement-b8", "placement-b16",
        ];
        Assert.Equal(expected.Order(), charts.Order());
        Assert.Equal(charts.Count, charts.Distinct().Count());
        foreach (var chart in charts.Where(c => c.StartsWith("loss-") || c.StartsWith("accuracy-") || c.StartsWith("batch-size-")))
        {
            var series = SeriesOf(report, chart);
            Assert.Equal(["None", "BatchNorm", "LayerNorm", "GroupNorm"], series);
        }
        Assert.Equal(["batch 8", "batch 16"], SeriesOf(report, "time-before"));
        foreach (var chart in charts)
        {
            var svg = ChartText(report, chart);
            Assert.Contains("class=\"title\"", svg);
            Assert.Equal(2, Regex.Matches(svg, "class=\"label\"").Count);
            Assert.Contains("class=\"legend\"", svg);
            Assert.Contains("class=\"tick\"", svg);
        }
        Assert.DoesNotContain("mixing", report, StringComparison.OrdinalIgnoreCase);

        // The JSON holds everything the report needs: rendering it again gives the same charts.
        string again = Path.Combine(dir, "again.html");
        Assert.Equal(0, CommandLine.Run(["report", json, "--out", again]));
        var charts2 = Regex.Matches(File.ReadAllText(again), "<svg class=\"chart\" data-chart=\"([^\"]+)\"").Select(m => m.Groups[1].Value);
        Assert.Equal(charts, charts2);
        File.WriteAllText(json, "{\"runs\": 1}");
        Assert.Equal(1, CommandLine.Run(["report", json, "--out", again]));
    }

    [Fact]
    public void SwitchableAndBatchInstanceNormalizationShowTheirMixing()
    {
        string html = Path.Combine(dir, "mixing.html"), json = Path.Combine(dir, "mixing.json");
        Assert.Equal(0, CommandLine.Run(["compare", "--data", "subset", "--train-samples", "16", "--test-samples", "16",
            "--norms", "none,switchable,batch-instance", "--batch-sizes", "8", "--out", html, "--json", json]));
        var report = File.ReadAllText(html);
        Assert.Contains("Learned mixing weights and gates", report);
        var mixing = Regex.Matches(report, "data-chart=\"(mixing-[0-9]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2 * 2 + 2, mixing.Count);   // SN: mean and variance weights per layer; BIN: one gate per layer
        Assert.Contains("switchable_1: mean weights", report);
        Assert.Contains("batch-instance_2: gate ρ", report);
        var runs = JsonNode.Parse(File.ReadAllText(json))!["runs"]!.AsArray();
        var weights = runs[1]!["mixing"]![0]!["values"]!.AsArray().Select(v => v!.GetValue<double>()).ToList();
        Assert.Equal(3, weights.Count);
        Assert.Equal(1.0, weights.Sum(), 5);
        Assert.Empty(runs[0]!["mixing"]!.AsArray());
    }

    [Fact]
    public void RnnAndMlpRun()
    {
        string json = Path.Combine(dir, "rnn.json");
        Assert.Equal(0, CommandLine.Run(["compare", "--arch", "rnn", "--data", "subset", "--train-samples", "24", "--test-samples", "16",
            "--norms", "none,layer,instance", "--batch-sizes", "8", "--json", json]));
        var runs = JsonNode.Parse(File.ReadAllText(json))!["runs"]!.AsArray();
        Assert.Equal(3, runs.Count);
        Assert.All(runs, r => Assert.Equal("between", r!["placement"]!.GetValue<string>()));
        Assert.Equal(0, CommandLine.Run(["compare", "--arch", "mlp", "--data", "subset", "--train-samples", "24", "--test-samples", "16",
            "--norms", "batch,rms", "--batch-sizes", "8", "--json", json]));
        // Instance normalization has nothing to normalize over after a Dense layer.
        Assert.Equal(2, CommandLine.Run(["compare", "--arch", "mlp", "--data", "subset", "--norms", "instance"]));
        Assert.Equal(2, CommandLine.Run(["compare", "--norms", "nosuchnorm"]));
    }

    [Fact]
    public void TrainSavesAModelThatEvaluateReads()
    {
        string model = Path.Combine(dir, "m.normlab");
        Assert.Equal(0, CommandLine.Run(["train", "--arch", "mlp", "--norm", "layer", "--data", "subset", "--train-samples", "64",
            "--test-samples", "32", "--epochs", "1", "--out", model]));
        Assert.True(File.Exists(model));
        var output = new StringWriter();
        var previous = Console.Out;
        Console.SetOut(output);
        try
        {
            Assert.Equal(0, CommandLine.Run(["evaluate", model, "--data", "subset", "--test-samples", "32"]));
        }
        finally
        {
            Console.SetOut(previous);
        }
        Assert.Contains("accuracy", output.ToString());
    }

    private static string ChartText(string report, string chart)
    {
        int start = report.IndexOf($"data-chart=\"{chart}\"", StringComparison.Ordinal);
        return report[start..report.IndexOf("</svg>", start, StringComparison.Ordinal)];
    }

    private static List<string> SeriesOf(string report, string chart) =>
        Regex.Matches(ChartText(report, chart), "<g class=\"series\" data-series=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
}

using System.Text.Json.Nodes;
using NormLab.Cli;
using NormLab.Cli.Lab;
using Xunit;

namespace NormLab.Tests.Lab;

/// <summary>
/// The `normlab` command refuses bad arguments and unusable outputs before any training, answers --help and
/// --version, survives a damaged results file and a diverging run, and never exits 0 with a NaN model.
/// </summary>
[Collection("console")]
public sealed class CommandLineChecksTests() : TemporaryFolderTests("normlab-cli-")
{
    private static readonly string[] Tiny = ["--arch", "mlp", "--data", "subset", "--train-samples", "16", "--test-samples", "8", "--threads", "1"];

    /// <summary>Runs the command with stdout and stderr captured; an exception escaping it fails the test.</summary>
    internal static (int code, string output) Run(params string[] args)
    {
        var output = new StringWriter();
        var (previousOut, previousError) = (Console.Out, Console.Error);
        Console.SetOut(output);
        Console.SetError(output);
        try
        {
            return (CommandLine.Run(args), output.ToString());
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousError);
        }
    }

    public static TheoryData<string, string> BadOutputs => new()
    {
        { "--out", "." },
        { "--json", "." },
        { "--json", "missing-directory/results.json" },
        { "--out", "missing-directory/report.html" },
        { "--json", "/proc/normlab-results.json" },
    };

    [Theory]
    [MemberData(nameof(BadOutputs))]
    public void CompareChecksItsOutputsBeforeTheFirstRun(string option, string path)
    {
        if (path == ".") path = dir;
        else if (!path.StartsWith('/')) path = Path.Combine(dir, path);
        var (code, output) = Run(["compare", .. Tiny, "--norms", "batch,layer,group", "--batch-sizes", "2,4", option, path]);
        Assert.Equal(2, code);
        Assert.Contains(option, output);
        Assert.Contains(path, output);
        // Refused before the data was loaded and the first run started.
        Assert.DoesNotContain("data:", output);
        Assert.DoesNotContain("Wrote", output);
    }

    [Fact]
    public void TrainAndReportCheckTheirOutputsFirst()
    {
        var (code, output) = Run(["train", .. Tiny, "--out", dir]);
        Assert.Equal(2, code);
        Assert.Contains("is a directory", output);
        Assert.DoesNotContain("Epoch", output);

        string json = Path.Combine(dir, "r.json");
        ResultsJson.Write(ReportFuzzSeed(), json);
        (code, output) = Run("report", json, "--out", Path.Combine(dir, "missing", "r.html"));
        Assert.Equal(2, code);
        Assert.Contains("does not exist", output);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1.5")]
    public void TargetAccuracyMustBeANumberInZeroOne(string value)
    {
        var (code, output) = Run(["compare", .. Tiny, "--target-accuracy", value]);
        Assert.Equal(2, code);
        Assert.Contains($"--target-accuracy must be a number in [0, 1], received '{value}'", output);
    }

    [Fact]
    public void AStrayPositionalArgumentIsRefused()
    {
        foreach (var command in new[] { "compare", "train" })
        {
            var (code, output) = Run([command, "stray", .. Tiny]);
            Assert.Equal(2, code);
            Assert.Contains("unexpected argument 'stray'", output);
        }
    }

    [Fact]
    public void EveryCommandHasItsOwnHelpAndThereIsAVersion()
    {
        foreach (var command in new[] { "compare", "report", "train", "evaluate" })
            foreach (var help in new[] { "--help", "-h" })
            {
                var (code, output) = Run(command, help);
                Assert.Equal(0, code);
                Assert.StartsWith($"normlab {command}:", output);
                Assert.Contains($"usage: normlab {command}", output);
            }
        var (versionCode, version) = Run("--version");
        Assert.Equal(0, versionCode);
        Assert.Matches(@"^normlab \d+\.\d+\.\d+.* \(NormLab \d+\.\d+\.\d+", version);
    }

    [Fact]
    public void ABatchLargerThanTheDataIsOneBatchOfAllOfIt()
    {
        string json = Path.Combine(dir, "r.json");
        var (code, output) = Run(["compare", .. Tiny, "--norms", "batch", "--batch-sizes", "2147483647", "--json", json]);
        Assert.True(code == 0, output);
        var run = JsonNode.Parse(File.ReadAllText(json))!["runs"]![0]!;
        Assert.Equal(int.MaxValue, run["batch_size"]!.GetValue<int>());
        Assert.Single(run["epoch_loss"]!.AsArray());
    }

    [Fact]
    public void ADivergingRunIsRecordedAndTheComparisonGoesOn()
    {
        string json = Path.Combine(dir, "r.json"), html = Path.Combine(dir, "r.html");
        var (code, output) = Run(["compare", .. Tiny, "--norms", "batch,layer", "--batch-sizes", "4", "--learning-rate", "1e30", "--json", json, "--out", html]);
        Assert.True(code == 0, output);
        var runs = JsonNode.Parse(File.ReadAllText(json))!["runs"]!.AsArray();
        Assert.Equal(["batch", "layer"], runs.Select(r => r!["norm"]!.GetValue<string>()));
        Assert.True(runs[0]!["diverged"]!.GetValue<bool>());
        Assert.Equal("diverged", runs[0]!["status"]!.GetValue<string>());
        Assert.Contains("BatchNorm before b=4 seed 42 (diverged: the loss became NaN or infinite)", output);
        Assert.True(File.Exists(html));
    }

    [Fact]
    public void TrainingThatDivergesExitsNonZeroAndSavesNoModel()
    {
        string model = Path.Combine(dir, "model.normlab");
        var (code, output) = Run(["train", .. Tiny, "--norm", "none", "--epochs", "3", "--batch-size", "4", "--learning-rate", "1e30", "--out", model]);
        Assert.Equal(1, code);
        Assert.Contains("diverged", output);
        Assert.False(File.Exists(model));
    }

    [Fact]
    public void OutputRedirectedToAFileHasNoColourCodes()
    {
        // The real program in a terminal-like environment (TERM set), its output going to a pipe.
        string json = Path.Combine(dir, "r.json");
        ResultsJson.Write(ReportFuzzSeed(), json);
        var info = new System.Diagnostics.ProcessStartInfo("dotnet", $"\"{Path.Combine(AppContext.BaseDirectory, "NormLab.Cli.dll")}\" report \"{json}\" --out \"{Path.Combine(dir, "r.html")}\"")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        info.Environment["TERM"] = "xterm-256color";
        using var process = System.Diagnostics.Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        Assert.Contains("Wrote the report", output);
        Assert.DoesNotContain("\u001b[", output);
    }

    [Fact]
    public void ReportOnADamagedResultsFileSaysWhatIsWrong()
    {
        // Random damage to a valid file: keys removed, values of the wrong type, sign or size, arrays emptied,
        // the text cut off. `report` must end with exit code 0 (still a readable file) or 1 with a message
        // naming the file, never with an exception (NullReference, IndexOutOfRange: exit 134 before).
        string json = Path.Combine(dir, "r.json"), html = Path.Combine(dir, "r.html");
        string valid = ResultsJson.ToJson(ReportFuzzSeed()).ToJsonString();
        var rng = new Random(18);
        JsonNode?[] replacements = [null, "x", -1, 0, 1e308, 2147483647, new JsonArray(), new JsonObject(), true, new JsonArray(-1, "x")];
        for (int it = 0; it < 200; it++)
        {
            var root = JsonNode.Parse(valid)!;
            string text;
            if (it % 10 == 9) text = valid[..rng.Next(valid.Length)];
            else
            {
                for (int k = rng.Next(1, 4); k > 0; k--)
                {
                    var nodes = Descendants(root).ToList();
                    var target = nodes[rng.Next(nodes.Count)];
                    var replacement = replacements[rng.Next(replacements.Length)]?.DeepClone();
                    switch (target.Parent)
                    {
                        case JsonObject o when rng.Next(3) == 0: o.Remove(target.GetPropertyName()); break;
                        case JsonObject o: o[target.GetPropertyName()] = replacement; break;
                        case JsonArray a when rng.Next(3) == 0: a.RemoveAt(target.GetElementIndex()); break;
                        case JsonArray a: a[target.GetElementIndex()] = replacement; break;
                    }
                }
                text = root.ToJsonString();
            }
            File.WriteAllText(json, text);
            int code;
            string output;
            try
            {
                (code, output) = Run("report", json, "--out", html);
            }
            catch (Exception e)
            {
                Assert.Fail($"case {it}: {e.GetType().Name} escaped `normlab report` on\n{text}\n{e}");
                return;
            }
            Assert.True(code is 0 or 1, $"case {it}: exit {code}\n{output}\n{text}");
            if (code == 1) Assert.Contains(json, output);
        }
    }

    private static IEnumerable<JsonNode> Descendants(JsonNode node)
    {
        var children = node switch
        {
            JsonObject o => o.Select(kv => kv.Value),
            JsonArray a => a.AsEnumerable(),
            _ => [],
        };
        foreach (var child in children.OfType<JsonNode>())
        {
            yield return child;
            foreach (var d in Descendants(child)) yield return d;
        }
    }

    /// <summary>A small hand-made comparison over two norms, two batch sizes and two epochs, with one diverged run.</summary>
    private static ComparisonResult ReportFuzzSeed()
    {
        var settings = new CompareSettings { Norms = ["batch", "layer"], BatchSizes = [4, 16], Placements = [Placement.Before, Placement.After], Epochs = 2 };
        var runs = new List<RunResult>();
        foreach (var placement in new[] { "before", "after" })
            foreach (var norm in settings.Norms)
                foreach (int batch in settings.BatchSizes)
                {
                    var run = new RunResult(norm, placement, batch, 42, 1000);
                    if (norm == "batch" && batch == 4) { run.Diverged = true; runs.Add(run); continue; }
                    run.EpochLoss.AddRange([1.0, 0.7]);
                    run.EpochTrainAccuracy.AddRange([0.6, 0.7]);
                    run.EpochTestAccuracy.AddRange([0.62, 0.71]);
                    run.EpochTestLoss.AddRange([0.9, 0.8]);
                    run.EpochSeconds.AddRange([1.0, 1.0]);
                    run.EpochCpuSeconds.AddRange([2.0, 2.0]);
                    run.LossCurve.AddRange([[0.5, 1.2], [1.0, 1.0], [1.5, 0.8], [2.0, 0.7]]);
                    runs.Add(run);
                }
        return new ComparisonResult(settings, "hand-made", 100, 50, [28, 28, 1], DateTime.UtcNow, 1, runs);
    }
}

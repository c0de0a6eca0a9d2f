using System.Net;
using System.Text.Json.Nodes;
using NormLab.Cli.Lab;
using Xunit;

namespace NormLab.Tests.Lab;

/// <summary>`normlab study NAME` at a tiny size (a few hundred images, one epoch, two seeds): the JSON, the report's statements, resuming.</summary>
[Collection("console")]
public sealed class StudyCommandTests() : TemporaryFolderTests("normlab-study-")
{
    private static (int code, string output) Run(params string[] args) => CommandLineChecksTests.Run(args);

    private string[] Tiny(string study, int trainSamples, int seeds, string name = "s") =>
        ["study", study, "--data", "subset", "--train-samples", $"{trainSamples}", "--test-samples", "64", "--epochs", "1", "--seeds", $"{seeds}",
         "--threads", "2", "--json", Path.Combine(dir, name + ".json"), "--out", Path.Combine(dir, name + ".html")];

    private JsonObject Json(string name = "s") => JsonNode.Parse(File.ReadAllText(Path.Combine(dir, name + ".json")))!.AsObject();

    /// <summary>The seeds of (norm, batch) that trained at both placements, from the runs' statuses in the JSON.</summary>
    private static int PairedSeeds(JsonArray runs, string norm, int batch) => runs
        .Where(r => r!["norm"]!.GetValue<string>() == norm && r["batch_size"]!.GetValue<int>() == batch && r["status"]!.GetValue<string>() == "trained")
        .GroupBy(r => r!["seed"]!.GetValue<int>()).Count(g => g.Count() == 2);

    [Fact]
    public void PlacementStudyReportsEachComparisonWithItsPairedTestAndResumes()
    {
        var (code, output) = Run(Tiny("placement", 200, seeds: 2));
        Assert.True(code == 0, output);
        Assert.True(output.IndexOf("estimated time:", StringComparison.Ordinal) is int estimate and >= 0 && estimate < output.IndexOf("Wrote every number", StringComparison.Ordinal), output);

        var root = Json();
        var study = root["study"]!.AsObject();
        Assert.Equal("placement", study["name"]!.GetValue<string>());
        Assert.Contains("before or after the activation", study["question"]!.GetValue<string>());
        Assert.Contains("2 paired seed(s) from 42", study["setup"]!.GetValue<string>());
        var runs = root["runs"]!.AsArray();
        Assert.Equal(2 * 2 * 2 * 2, runs.Count);   // batch, layer × batch 8, 64 × before, after × 2 seeds
        Assert.All(runs, r => Assert.Contains(r!["status"]!.GetValue<string>(), new[] { "trained", "collapsed", "diverged" }));
        var statements = study["result"]!.AsArray().Select(s => s!.GetValue<string>()).ToList();
        Assert.Equal(4, statements.Count);
        foreach (var (norm, display) in new[] { ("batch", "BatchNorm"), ("layer", "LayerNorm") })
            foreach (int batch in new[] { 8, 64 })
            {
                string statement = Assert.Single(statements, s => s.StartsWith($"{display} at batch size {batch}: ", StringComparison.Ordinal));
                int pairs = PairedSeeds(runs, norm, batch);
                if (pairs == 2) Assert.Matches(@"before minus after is (a real difference|within noise) \(paired over 2 seeds: [-+]?\d+\.\d points, 95% CI \[", statement);
                else if (pairs == 1) Assert.Contains("not judged, one seed", statement);
                else Assert.DoesNotContain("paired over", statement);
            }

        var report = WebUtility.HtmlDecode(File.ReadAllText(Path.Combine(dir, "s.html")));
        Assert.Contains("<h2>Question</h2>", report);
        Assert.Contains("<h2>Setup</h2>", report);
        Assert.Contains("<h2>Result</h2>", report);
        Assert.Contains("What it does not show:", report);
        Assert.All(statements, s => Assert.Contains(s, report));
        Assert.Contains("<th>runs trained</th>", report);

        // `normlab report` renders the same study report again from the JSON.
        string again = Path.Combine(dir, "again.html");
        (code, output) = Run("report", Path.Combine(dir, "s.json"), "--out", again);
        Assert.True(code == 0, output);
        Assert.Contains("• BatchNorm at batch size 8: ", output);   // the result on the terminal too (wrapped, so only its start)
        Assert.Contains("<h2>Question</h2>", File.ReadAllText(again));

        // Resumed with a third seed: the 16 runs are kept as they were, only seed 44 trains.
        var before = runs.Select(r => r!.ToJsonString()).ToList();
        (code, output) = Run(Tiny("placement", 200, seeds: 3));
        Assert.True(code == 0, output);
        Assert.Contains("16 run(s) already in", output);
        var resumed = Json()["runs"]!.AsArray();
        Assert.Equal(24, resumed.Count);
        Assert.Equal(before.Order(), resumed.Where(r => r!["seed"]!.GetValue<int>() < 44).Select(r => r!.ToJsonString()).Order());
        Assert.Equal(8, resumed.Count(r => r!["seed"]!.GetValue<int>() == 44));

        // Another setup cannot be mixed into the same file.
        var words = Tiny("placement", 200, seeds: 3);
        words[Array.IndexOf(words, "--epochs") + 1] = "2";
        (code, output) = Run(words);
        Assert.Equal(2, code);
        Assert.Contains("cannot be resumed: it trained 1 epoch(s), this 2 (--epochs)", output);
        // Nor can fewer seeds rewrite it without the others.
        (code, output) = Run(Tiny("placement", 200, seeds: 2));
        Assert.Equal(2, code);
        Assert.Contains("it holds 3 seeds and --seeds 2 would drop some (pass --seeds 3 or more)", output);
        Assert.Equal(24, Json()["runs"]!.AsArray().Count);
    }

    [Fact]
    public void BatchSizeStudyAnswersPerNormalizationFromTheSmallestToTheLargestBatch()
    {
        var (code, output) = Run(Tiny("batch-size", 128, seeds: 2, name: "b"));
        Assert.True(code == 0, output);
        var root = Json("b");
        var runs = root["runs"]!.AsArray();
        Assert.Equal(5 * 6 * 2, runs.Count);
        Assert.Equal([2, 4, 8, 16, 32, 64], runs.Select(r => r!["batch_size"]!.GetValue<int>()).Distinct().Order());
        var statements = root["study"]!["result"]!.AsArray().Select(s => s!.GetValue<string>()).ToList();
        foreach (var display in new[] { "None", "BatchNorm", "GroupNorm", "LayerNorm", "InstanceNorm" })
            Assert.Single(statements, s => s.StartsWith(display + ": ", StringComparison.Ordinal) && s.Contains("batch size 2") && s.Contains("64"));
        // What did not train is listed, never averaged in silently.
        int failed = runs.Count(r => r!["status"]!.GetValue<string>() != "trained");
        var findings = root["findings"]!.AsArray().Select(f => f!.GetValue<string>()).ToList();
        if (failed > 0) Assert.StartsWith($"{60 - failed} of 60 runs trained", findings[0]);
        else Assert.DoesNotContain(findings, f => f.Contains("runs trained;", StringComparison.Ordinal));
        var report = WebUtility.HtmlDecode(File.ReadAllText(Path.Combine(dir, "b.html")));
        Assert.Contains("Wu and He", report);
        Assert.Contains("What it does not show:", report);
        Assert.All(statements, s => Assert.Contains(s, report));
    }

    [Fact]
    public void DryRunPrintsTheEstimateAndTrainsNothing()
    {
        var (code, output) = Run([.. Tiny("placement", 64, seeds: 2), "--dry-run"]);
        Assert.True(code == 0, output);
        Assert.Matches(@"estimated time: \d+ s for 16 run\(s\) to train", output);
        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    public void TransformerStudyDryRunPrintsItsSetupAndEstimate()
    {
        var (code, output) = Run([.. Tiny("transformer", 64, seeds: 1), "--dry-run"]);
        Assert.True(code == 0, output);
        output = output.ReplaceLineEndings(" ");
        Assert.Contains("which tolerates high learning rates without warmup?", output);
        Assert.Contains("--arch vit: LayerNorm, RMSNorm, DyT, None at batch size 64, pre and post-norm residual blocks", output);
        Assert.Contains("Adam at learning rates 0.001, 0.003, 0.01", output);
        // 3 normalizations × 2 placements + None once, × 3 learning rates.
        Assert.Matches(@"estimated time: \d+ s for 21 run\(s\) to train", output);
        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    public void LearningRateStudyAnswersPerOptimizerAndNormalizationAndResumesWithoutTraining()
    {
        var (code, output) = Run(Tiny("learning-rate", 64, seeds: 1, name: "lr"));
        Assert.True(code == 0, output);
        Assert.Matches(@"estimated time: \d+ s for 40 run\(s\)", output.ReplaceLineEndings(" "));
        var root = Json("lr");
        var runs = root["runs"]!.AsArray();
        Assert.Equal(4 * 2 * 5, runs.Count);   // none, batch, group, layer × sgd, adam × 5 learning rates
        var statements = root["study"]!["result"]!.AsArray().Select(s => s!.GetValue<string>()).ToList();
        foreach (var optimizer in new[] { "SGD (momentum 0.9)", "Adam" })
            foreach (var norm in new[] { "None", "BatchNorm", "GroupNorm", "LayerNorm" })
                Assert.Single(statements, s => s.StartsWith($"{norm} (before, batch 64, {optimizer}): ", StringComparison.Ordinal) && s.Contains("LR sensitivity"));
        // With one seed nothing is judged against None.
        Assert.DoesNotContain(statements, s => s.Contains("a real difference", StringComparison.Ordinal) || s.Contains("within noise", StringComparison.Ordinal));
        Assert.Equal(8, root["learning_rate_sweeps"]!.AsArray().Count);
        var report = WebUtility.HtmlDecode(File.ReadAllText(Path.Combine(dir, "lr.html")));
        Assert.Contains("data-chart=\"learning-rate-before-b64-sgd\"", report);
        Assert.Contains("data-chart=\"learning-rate-before-b64-adam\"", report);
        Assert.All(statements, s => Assert.Contains(s, report));

        // Run again: every run is kept, none trains.
        var before = runs.Select(r => r!.ToJsonString()).ToList();
        (code, output) = Run(Tiny("learning-rate", 64, seeds: 1, name: "lr"));
        Assert.True(code == 0, output);
        Assert.Contains("estimated time: 0 s for 0 run(s) to train", output);
        Assert.Contains("40 run(s) already in", output);
        Assert.Equal(before, Json("lr")["runs"]!.AsArray().Select(r => r!.ToJsonString()));
    }

    [Fact]
    public void HelpAndBadArgumentsNameTheStudyOrTheOption()
    {
        var (code, output) = Run("study", "batch-size", "--help");
        Assert.Equal(0, code);
        Assert.Contains(Studies.Get("batch-size").Question, output);
        Assert.Contains("What it does not show:", output);
        Assert.Contains("--dry-run", output);
        (code, output) = Run("study", "--help");
        Assert.Equal(0, code);
        Assert.Contains("placement", output);
        (_, output) = Run("--help");
        Assert.Contains("normlab study batch-size", output);
        (code, output) = Run("study", "nosuch");
        Assert.Equal(2, code);
        Assert.Contains("unknown study 'nosuch'; expected one of batch-size, placement, learning-rate, transformer", output);
        (code, output) = Run("study");
        Assert.Equal(2, code);
        Assert.Contains("study needs a name", output);
        (code, output) = Run("study", "placement", "--seeds", "0");
        Assert.Equal(2, code);
        Assert.Contains("--seeds must be an integer >= 1", output);
        (code, output) = Run("study", "placement", "--norms", "batch");
        Assert.Equal(2, code);
        Assert.Contains("unknown option(s): --norms", output);
    }
}

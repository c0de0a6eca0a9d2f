using System.Text.Json.Nodes;
using NormLab.Cli;
using NormLab.Cli.Lab;
using NormLab.Distributed;
using NormLab.Tests.Distributed;
using Xunit;
using Xunit.Abstractions;

namespace NormLab.Tests.Lab;

/// <summary>`normlab compare --distributed`: local ("batch") against synchronized ("batch-sync") batch norm across replicas.</summary>
[Collection("console")]
public sealed class DistributedCompareTests(ITestOutputHelper output) : TemporaryFolderTests("normlab-cmpdist-")
{
    /// <summary>A hand-made distributed comparison over 2 replicas: synchronized ahead at global batch 4, level at 32.</summary>
    private static ComparisonResult Fake(bool distributed)
    {
        var settings = new CompareSettings { Norms = ["batch", "batch-sync"], BatchSizes = [4, 32], Epochs = 1, Distributed = distributed, Replicas = distributed ? 2 : 1 };
        var runs = new List<RunResult>();
        foreach (var norm in settings.Norms)
            foreach (int batch in settings.BatchSizes)
            {
                var run = new RunResult(norm, "before", batch, 42, 1000);
                double accuracy = batch == 4 ? (norm == "batch-sync" ? 0.75 : 0.70) : 0.80;
                run.EpochLoss.Add(batch == 4 ? (norm == "batch-sync" ? 0.7 : 0.9) : 0.5);
                run.EpochTrainAccuracy.Add(accuracy);
                run.EpochTestAccuracy.Add(accuracy);
                run.EpochTestLoss.Add(0.6);
                run.EpochSeconds.Add(1);
                run.EpochCpuSeconds.Add(2);
                run.LossCurve.AddRange([[0.5, 1.2], [1.0, 0.8]]);
                runs.Add(run);
            }
        return new ComparisonResult(settings, "fake", 100, 50, [28, 28, 1], DateTime.UtcNow, 1, runs);
    }

    [Fact]
    public void TheReportAnswersLocalOrSynchronizedFromTheNumbers()
    {
        var report = HtmlReport.Render(Fake(distributed: true));
        Assert.Contains("Local or synchronized batch norm across 2 replicas?", report);
        Assert.Contains("data-chart=\"sync-accuracy\"", report);
        Assert.Contains("data-chart=\"sync-loss\"", report);
        Assert.Contains("4 (2/replica)", report);
        Assert.Contains("32 (16/replica)", report);
        Assert.Contains("+5.00", report);   // the difference column at global batch 4

        var findings = Findings.LocalVsSynchronized(Fake(distributed: true));
        Assert.Contains(findings, f => f.StartsWith("Across 2 replicas, synchronized batch norm had the higher mean test accuracy more often: synchronized ahead at 1, local ahead at 0 of 2", StringComparison.Ordinal)
            && f.Contains("global batch 4 (2 per replica): 75.0% synchronized against 70.0% local (+5.0 points for synchronized)"));
        Assert.Contains(findings, f => f.Contains("smallest per-replica batch, 2 (global 4), synchronizing changed test accuracy by +5.0 points") && f.Contains("16 (global 32), by 0.0 points"));
        Assert.Contains(findings, f => f.Contains("lower final training loss at 1 of 2"));
        // One seed: the largest difference is reported, not judged.
        Assert.Contains("The largest local-vs-synchronized difference, at global batch 4 (2 per replica), is not judged, one seed.", findings);
        // They are part of the findings of the whole comparison (terminal, JSON) too.
        Assert.Contains(Findings.Compute(Fake(distributed: true)), f => f.StartsWith("Across 2 replicas", StringComparison.Ordinal));
    }

    [Fact]
    public void OneProcessComparisonsHaveNoSynchronizationSection()
    {
        Assert.DoesNotContain("Local or synchronized", HtmlReport.Render(Fake(distributed: false)));
        Assert.Empty(Findings.LocalVsSynchronized(Fake(distributed: false)));
    }

    [Fact]
    public void DistributedSettingsSurviveTheJson()
    {
        string json = Path.Combine(dir, "r.json");
        ResultsJson.Write(Fake(distributed: true), json);
        var read = ResultsJson.Read(json);
        Assert.True(read.Settings.Distributed);
        Assert.Equal(2, read.Settings.Replicas);
        Assert.Contains("Local or synchronized batch norm across 2 replicas?", HtmlReport.Render(read));
    }

    [Fact]
    public void DistributedWithoutMpirunFailsWithAClearMessage()
    {
        if (Communicator.LaunchedByMpirun()) return;
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        try
        {
            Assert.Equal(2, CommandLine.Run(["compare", "--distributed", "--data", "subset", "--train-samples", "16"]));
        }
        finally
        {
            Console.SetError(previous);
        }
        Assert.Contains("start it under mpirun", error.ToString());
        Assert.Contains("mpirun -np 2 normlab compare --distributed", error.ToString());
    }

    [MpiFact]
    public void CompareDistributedOnTwoRanksReportsLocalAndSynchronizedBatchNorm()
    {
        var run = MpiRun.MpiProgram(2, "NormLab.Cli.dll",
            // Enough images for the runs to train (64 for the cnn left them at chance level, and then nothing is compared).
            "compare --distributed --arch mlp --data subset --train-samples 512 --test-samples 128 --norms batch,batch-sync " +
            "--batch-sizes 4,16 --epochs 1 --json results.json --out report.html", dir);
        output.WriteLine(run.Output);
        Assert.False(run.TimedOut, "compare --distributed did not finish:\n" + run.Output);
        Assert.Equal(0, run.ExitCode);
        // Only rank 0 prints: one header line.
        Assert.Single(run.Output.Split('\n'), line => line.Contains("normlab compare"));

        var root = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "results.json")))!.AsObject();
        Assert.True(root["settings"]!["distributed"]!.GetValue<bool>());
        Assert.Equal(2, root["settings"]!["replicas"]!.GetValue<int>());
        var runs = root["runs"]!.AsArray();
        Assert.Equal(4, runs.Count);
        foreach (string norm in new[] { "batch", "batch-sync" })
            foreach (int batch in new[] { 4, 16 })
                Assert.Single(runs, r => r!["norm"]!.GetValue<string>() == norm && r["batch_size"]!.GetValue<int>() == batch
                    && r["test_accuracy"]!.GetValue<double>() is >= 0 and <= 1);
        Assert.Contains(root["findings"]!.AsArray(), f => f!.GetValue<string>().StartsWith("Across 2 replicas", StringComparison.Ordinal));

        var report = File.ReadAllText(Path.Combine(dir, "report.html"));
        Assert.Contains("Local or synchronized batch norm across 2 replicas?", report);
        Assert.Contains("data-chart=\"sync-accuracy\"", report);
        Assert.Contains("4 (2/replica)", report);
    }

    private const string Small = "--arch mlp --data subset --train-samples 32 --test-samples 16 --norms batch,batch-sync --batch-sizes 4,8 --epochs 1 --learning-rates 0.001 --threads 1";

    [MpiFact]
    public void ARankThatFailsOutsideFitEndsTheWholeJobWithinSeconds()
    {
        // Rank 0 cannot write its --json (the directory does not exist), rank 1 is ready to train. Before the fix,
        // rank 0 reported the error after the first run and waited in MPI_Finalize, rank 1 in a broadcast, forever.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var run = MpiRun.MpiProgram(2, "NormLab.Cli.dll", $"compare --distributed {Small} --json missing/results.json", dir, timeoutSeconds: 60);
        output.WriteLine(run.Output);
        Assert.False(run.TimedOut, "the job hung:\n" + run.Output);
        Assert.True(clock.Elapsed.TotalSeconds < 10, $"the job took {clock.Elapsed.TotalSeconds:F1} s to end:\n{run.Output}");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("rank 0 of 2 failed", run.Output);
        Assert.Contains("--json 'missing/results.json'", run.Output);
    }

    [MpiFact]
    public void BadDataOnOneRankEndsTheWholeJob()
    {
        string empty = Directory.CreateDirectory(Path.Combine(dir, "empty")).FullName;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var run = MpiRun.MpiProgramPerRank("NormLab.Cli.dll", dir, 60,
            $"compare --distributed {Small}", $"compare --distributed {Small.Replace("--data subset", $"--data {empty}")}");
        output.WriteLine(run.Output);
        Assert.False(run.TimedOut, "the job hung:\n" + run.Output);
        Assert.True(clock.Elapsed.TotalSeconds < 10, $"the job took {clock.Elapsed.TotalSeconds:F1} s to end:\n{run.Output}");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("rank 1 of 2 failed", run.Output);
        Assert.Contains(empty, run.Output);
    }

    [MpiTheory]
    [InlineData("--epochs", "2")]
    [InlineData("--learning-rates", "0.001,0.01")]
    [InlineData("--train-samples", "24")]
    public void RanksStartedWithDifferentSettingsAreRefusedNamingTheSetting(string setting, string rank1Value)
    {
        // Rank 1 gets Small with another value of the setting under test.
        var words = Small.Split(' ');
        words[Array.IndexOf(words, setting) + 1] = rank1Value;
        var run = MpiRun.MpiProgramPerRank("NormLab.Cli.dll", dir, 60, $"compare --distributed {Small}", $"compare --distributed {string.Join(' ', words)}");
        output.WriteLine(run.Output);
        Assert.False(run.TimedOut, "the job hung:\n" + run.Output);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("the ranks were started with different settings", run.Output);
        Assert.Contains($"{setting} differs", run.Output);
    }
}

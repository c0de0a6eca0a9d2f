using NormLab.Cli.Lab;

/// <summary>
/// `Worker checkpoint PATH`: what `normlab compare --json` does after every run, as fast as it can: a
/// comparison that grows by one run per write, saved with <see cref="ResultsJson.Write"/>; after each write
/// returns, prints "WROTE n" (n runs in the file). The kill test kills it at random moments and checks the
/// file. Stops by itself after 30 s, should nobody kill it.
/// </summary>
internal static class CheckpointLoop
{
    internal static int Run(string path)
    {
        var settings = new CompareSettings { Epochs = 3, Seeds = 1000 };
        var runs = new List<RunResult>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int n = 1; clock.Elapsed.TotalSeconds < 30; n++)
        {
            var run = new RunResult("batch", "before", 8, n, 1000);
            for (int e = 0; e < settings.Epochs; e++)
            {
                run.EpochLoss.Add(1.0 / (n + e));
                run.EpochTrainAccuracy.Add(0.5);
                run.EpochTestAccuracy.Add(0.5);
                run.EpochTestLoss.Add(0.7);
                run.EpochSeconds.Add(0.1);
                run.EpochCpuSeconds.Add(0.2);
            }
            for (int p = 0; p < 60; p++) run.LossCurve.Add([p / 20.0, 1.0 / (p + 1)]);
            runs.Add(run);
            ResultsJson.Write(new ComparisonResult(settings, "checkpoint loop", 100, 50, [28, 28, 1], DateTime.UtcNow, n, runs), path);
            Console.Out.WriteLine($"WROTE {n}");
            Console.Out.Flush();
        }
        return 0;
    }
}

using NormLab.Cli.Lab;
using Spectre.Console;

namespace NormLab.Cli;

/// <summary>`normlab study NAME`: a fixed comparison that answers one question, with its uncertainty; resumable from its JSON.</summary>
internal static class StudyCommand
{
    internal static string Usage =>
        "normlab study NAME [--seeds N] [--epochs N] [--data DIR|subset|full] [--train-samples N] [--test-samples N] [--threads N] [--depths 2,4 (depth)]\n" +
        "                [--json study-NAME.json] [--out study-NAME.html] [--dry-run]   studies: " + string.Join(", ", Studies.All.Select(s => s.Name)) +
        " (normlab study NAME --help)";

    /// <summary>`normlab study NAME --help`: the question, the setup at full size, what it does not show; without a name, the list.</summary>
    internal static string Help(string? name)
    {
        if (name == null || name.StartsWith("--", StringComparison.Ordinal))
            return "normlab study: run a fixed comparison that answers one question, with paired seeds and 95% intervals\nusage: " + Usage + "\n" +
                string.Join("\n", Studies.All.Select(s => $"  {s.Name,-12} {s.Question}"));
        var study = Studies.Get(name);
        var s = study.Settings;
        return $"normlab study {study.Name}: {study.Question}\n" +
            $"setup (full size): {Study.Setup(s, $"--data {study.Data}", s.TrainSamples ?? 0, s.TestSamples ?? 0)}\n" +
            $"{study.DoesNotShow}\n" +
            "It prints its estimated time first (from timing a few training steps of each configuration); --dry-run stops there. Runs already in its --json are not trained again,\n" +
            "so a stopped study resumes, and one with more --seeds adds only the new seeds. --seeds, --epochs, --data, --train-samples, --test-samples make it smaller for a quick look.\n" +
            "usage: " + Usage.Replace("NAME", study.Name, StringComparison.Ordinal);
    }

    internal static int Run(Options options)
    {
        var study = Studies.Get(options.Positional ?? throw new ArgumentException(
            $"study needs a name: normlab study NAME, one of {string.Join(", ", Studies.All.Select(s => s.Name))} (normlab study --help)."));
        var settings = study.Settings with
        {
            Seeds = options.Int("seeds", study.Settings.Seeds, min: 1),
            Epochs = options.Int("epochs", study.Settings.Epochs, min: 1),
            TrainSamples = options.OptionalInt("train-samples", min: 1) ?? study.Settings.TrainSamples,
            TestSamples = options.OptionalInt("test-samples", min: 1) ?? study.Settings.TestSamples,
            Threads = options.Int("threads", Environment.ProcessorCount, min: 1),
            Depths = options.Has("depths") ? CompareCommand.Depths(options, study.Settings.Arch) : study.Settings.Depths,
        };
        string data = options.String("data", study.Data);
        string json = options.String("json", $"study-{study.Name}.json");
        string html = options.String("out", $"study-{study.Name}.html");
        bool dryRun = options.Flag("dry-run");
        options.RejectUnknown();
        OutputPath.Check("--json", json);
        OutputPath.Check("--out", html);
        var dataset = DataLocator.Load(data);
        var previous = File.Exists(json) ? Previous(json, study, settings, dataset.Source) : [];

        AnsiConsole.MarkupLine($"[bold]normlab study {study.Name}[/]: {Markup.Escape(study.Question)}");
        int train = Math.Min(settings.TrainSamples ?? int.MaxValue, dataset.TrainImages.Dim(0)), test = Math.Min(settings.TestSamples ?? int.MaxValue, dataset.TestImages.Dim(0));
        AnsiConsole.MarkupLine($"setup: {Markup.Escape(Study.Setup(settings, dataset.Source, train, test))}");
        var (seconds, runs) = TimeEstimate.Of(settings, dataset,
            key => previous.Any(r => r.Key == key));
        AnsiConsole.MarkupLine($"estimated time: [bold]{Duration(seconds)}[/] for {runs} run(s) to train on {settings.Threads} thread(s)" +
            (previous.Count > 0 ? $" ({previous.Count} run(s) already in {Markup.Escape(json)} are kept)" : "") + " (from timing a few training steps of each configuration; more if the machine is busier)");
        if (dryRun) return 0;
        CompareCommand.RunAndReport(settings, dataset, json, html, previous, study.Name);
        return 0;
    }

    /// <summary>The runs of an earlier, unfinished or smaller run of the same study with the same setup (seeds and threads aside).</summary>
    private static List<RunResult> Previous(string json, Study study, CompareSettings settings, string source)
    {
        var earlier = ResultsJson.Read(json);
        var e = earlier.Settings;
        string? differs = earlier.Study != study.Name ? $"it holds {(earlier.Study == null ? "a normlab compare" : "study " + earlier.Study)}"
            : earlier.Dataset != source ? $"its data is {earlier.Dataset}"
            // Fewer seeds would rewrite the file without the others: measured runs are never dropped.
            : e.Seeds > settings.Seeds ? $"it holds {e.Seeds} seeds and --seeds {settings.Seeds} would drop some (pass --seeds {e.Seeds} or more)"
            : e.Epochs != settings.Epochs ? $"it trained {e.Epochs} epoch(s), this {settings.Epochs} (--epochs)"
            : e.TrainSamples != settings.TrainSamples || e.TestSamples != settings.TestSamples ? "its --train-samples or --test-samples differ"
            : e.FirstSeed != settings.FirstSeed || e.Arch != settings.Arch || !e.LearningRates.SequenceEqual(settings.LearningRates)
              || !e.Optimizers.SequenceEqual(settings.Optimizers) || !e.Norms.SequenceEqual(settings.Norms) || !e.BatchSizes.SequenceEqual(settings.BatchSizes)
              || !e.Placements.SequenceEqual(settings.Placements) || !e.Depths.SequenceEqual(settings.Depths) ? "it was written by another version of the study"
            : null;
        if (differs != null)
            throw new ArgumentException($"--json {json} cannot be resumed: {differs}. Delete it or pass another --json.");
        return earlier.Runs;
    }

    private static string Duration(double seconds) => seconds < 90 ? $"{seconds:F0} s" : seconds < 5400 ? $"{seconds / 60:F0} min" : $"{seconds / 3600:F1} h";
}

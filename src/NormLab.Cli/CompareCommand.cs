using System.Globalization;
using NormLab.Cli.Lab;
using NormLab.Data;
using NormLab.Distributed;
using Spectre.Console;

namespace NormLab.Cli;

/// <summary>`normlab compare`: one model per normalization (and placement, batch size, seed), side by side.</summary>
internal static class CompareCommand
{
    internal const string Usage =
        "normlab compare [--arch cnn|mlp|rnn|vit|transformer|resnet|plain-mlp|plain-cnn] [--norms none,batch,layer,group] [--batch-sizes 8,64] [--placement before[,after]]\n" +
        "                [--depths 2,8]   (plain-mlp, plain-cnn: the numbers of normalized hidden layers)\n" +
        "                [--qk-norm layer,rms,l2]   (vit, transformer: --placement post,pre,sandwich; --norms layer,rms,dyt,scale,batch,none)\n" +
        "                [--epochs 1] [--seeds 1] [--seed 42] [--data DIR|subset|full] [--train-samples N] [--test-samples N]\n" +
        "                [--target-accuracy 0.85] [--learning-rates 0.001[,0.01,...]] [--optimizer adam[,sgd]] [--threads N] [--out report.html] [--json results.json]\n" +
        "                [--distributed]   data-parallel over MPI, local vs synchronized BN: mpirun -np K normlab compare --distributed";

    /// <summary>What `normlab` with no arguments runs: a few minutes on 2 cores on the shipped subset.</summary>
    internal static int RunDefault() => Run(Options.Parse(["--data", "subset", "--train-samples", "4000", "--out", "report.html"]));

    internal static int Run(Options options)
    {
        bool distributed = options.Flag("distributed");
        if (distributed && !Communicator.LaunchedByMpirun())
            throw new ArgumentException("--distributed trains every run data-parallel over MPI, so start it under mpirun: " +
                "mpirun -np 2 normlab compare --distributed ... (as root: mpirun --allow-run-as-root --oversubscribe -np 2 ...); " +
                "without mpirun, leave out --distributed.");
        // Under mpirun -np K, each rank gets its share of the cores by default.
        int replicas = distributed ? Communicator.World.Size : 1;
        bool root = !distributed || Communicator.World.IsRoot;
        string arch = options.String("arch", "cnn");
        var settings = new CompareSettings
        {
            Distributed = distributed,
            Replicas = replicas,
            Arch = arch,
            // Distributed, the question is local or synchronized batch norm: those two unless --norms says otherwise.
            Norms = NormalizationCatalog.WithQkVariants(options.List("norms", distributed ? ["batch", "batch-sync"] : ["none", "batch", "layer", "group"]),
                options.List("qk-norm", [])),
            BatchSizes = options.IntList("batch-sizes", [8, 64]),
            Placements = options.List("placement", [Architectures.DefaultPlacement(arch)]).Select(ParsePlacement).Distinct().ToList(),
            Depths = Depths(options, arch),
            Epochs = options.Int("epochs", 1, min: 1),
            Seeds = options.Int("seeds", 1, min: 1),
            FirstSeed = options.Int("seed", 42),
            TargetAccuracy = options.Double("target-accuracy", 0.85, 0, 1),
            LearningRates = LearningRates(options),
            Optimizers = options.List("optimizer", ["adam"]).Select(OptimizerChoice.Check).Distinct().ToList(),
            TrainSamples = options.OptionalInt("train-samples", min: 1),
            TestSamples = options.OptionalInt("test-samples", min: 1),
            Threads = options.Int("threads", Math.Max(1, Environment.ProcessorCount / replicas), min: 1),
        };
        string? data = options.Has("data") ? options.String("data", "") : null;
        string? html = options.Has("out") ? options.String("out", "report.html") : null;
        string? json = options.Has("json") ? options.String("json", "results.json") : null;
        options.RejectUnknown();
        if (!Architectures.Names.Contains(settings.Arch))
            throw new ArgumentException($"unknown --arch '{settings.Arch}'; expected one of {string.Join(", ", Architectures.Names)}.");
        foreach (var norm in settings.Norms) NormalizationCatalog.Get(norm);
        // Only rank 0 writes; it checks its outputs before the first run, not after the last.
        if (root && json != null) OutputPath.Check("--json", json);
        if (root && html != null) OutputPath.Check("--out", html);

        var dataset = DataLocator.Load(data);
        if (distributed) SettingsDigest.RequireSame(Communicator.World, Digest(settings, dataset));
        // The other ranks train in step with rank 0 but print and write nothing.
        if (!root)
        {
            Comparison.Run(settings, dataset);
            return 0;
        }
        AnsiConsole.MarkupLine($"[bold]normlab compare[/] --arch {settings.Arch}: {string.Join(", ", settings.Norms)} × batch {string.Join(", ", settings.BatchSizes)}" +
            (settings.SweepsTraining ? $" × {string.Join(", ", settings.Optimizers)} × learning rate {string.Join(", ", settings.LearningRates.Select(OptimizerChoice.Format))}" : "") +
            $" × {string.Join(", ", settings.Placements).ToLowerInvariant()} × {settings.Seeds} seed(s), {settings.Epochs} epoch(s), {settings.Threads} thread(s)" +
            (distributed ? $" per rank, data-parallel over {replicas} rank(s) (global batches; per replica {string.Join(", ", settings.BatchSizes.Select(settings.PerReplica))})" : ""));
        AnsiConsole.MarkupLine($"data: [blue]{Markup.Escape(dataset.Source)}[/] ({Math.Min(settings.TrainSamples ?? int.MaxValue, dataset.TrainImages.Dim(0)):N0} training, " +
            $"{Math.Min(settings.TestSamples ?? int.MaxValue, dataset.TestImages.Dim(0)):N0} test images)");

        RunAndReport(settings, dataset, json, html);
        return 0;
    }

    /// <summary>
    /// Trains every run with a live progress display (the JSON rewritten after each), then prints the table, the
    /// study's answer when there is one, the findings and what a run of this size can show, and writes the JSON and the report.
    /// </summary>
    /// <param name="previous">Runs already measured (a resumed study), not trained again.</param>
    internal static ComparisonResult RunAndReport(CompareSettings settings, ImageDataset dataset, string? json, string? html,
        IReadOnlyList<RunResult>? previous = null, string? study = null)
    {
        ComparisonResult result = null!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx => result = Comparison.Run(settings, dataset, new LiveProgress(ctx),
                // Long runs keep what they have measured: the JSON is rewritten after every run.
                checkpoint: json == null ? null : partial => ResultsJson.Write(partial, json), previous, study));

        Print(result);
        if (json != null)
        {
            ResultsJson.Write(result, json);
            AnsiConsole.MarkupLine($"Wrote every number to [blue]{Markup.Escape(Path.GetFullPath(json))}[/]");
        }
        if (html != null)
        {
            HtmlReport.Write(result, html);
            AnsiConsole.MarkupLine($"Wrote the report to [blue]{Markup.Escape(Path.GetFullPath(html))}[/]");
        }
        return result;
    }

    /// <summary>The table, a study's result, the findings and what a run of this size can show, on the terminal.</summary>
    internal static void Print(ComparisonResult result)
    {
        AnsiConsole.Write(Table(result));
        if (result.Study != null)
        {
            AnsiConsole.MarkupLine("[bold]Result[/]");
            foreach (var statement in Studies.Get(result.Study).Answer(result)) AnsiConsole.MarkupLine($"• {Markup.Escape(statement)}");
            AnsiConsole.MarkupLine("[bold]Findings[/]");
        }
        foreach (var finding in Findings.Compute(result)) AnsiConsole.MarkupLine($"• {Markup.Escape(finding)}");
        AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(Scope.Of(result))}[/]");
    }

    /// <summary>What every rank of a distributed comparison must agree on: each setting (the thread count is
    /// per rank) and the shape of the data it loaded.</summary>
    private static List<(string, string)> Digest(CompareSettings settings, ImageDataset dataset) =>
    [
        ("--arch", settings.Arch), ("--norms", string.Join(",", settings.Norms)), ("--batch-sizes", string.Join(",", settings.BatchSizes)),
        ("--placement", string.Join(",", settings.Placements)), ("--depths", string.Join(",", settings.Depths)), ("--epochs", $"{settings.Epochs}"), ("--seeds", $"{settings.Seeds}"),
        ("--seed", $"{settings.FirstSeed}"), ("--target-accuracy", settings.TargetAccuracy.ToString("R", CultureInfo.InvariantCulture)),
        ("--learning-rates", string.Join(",", settings.LearningRates.Select(r => r.ToString("R", CultureInfo.InvariantCulture)))),
        ("--optimizer", string.Join(",", settings.Optimizers)),
        ("--train-samples", $"{settings.TrainSamples}"), ("--test-samples", $"{settings.TestSamples}"),
        ("the training images (--data)", Shapes.Format(dataset.TrainImages.Dims)), ("the test images (--data)", Shapes.Format(dataset.TestImages.Dims)),
    ];

    /// <summary>`--depths` for the plain nets (default <see cref="Architectures.DefaultDepths"/>); an error for the other architectures.</summary>
    internal static IReadOnlyList<int> Depths(Options options, string arch)
    {
        if (!Architectures.HasDepth(arch))
        {
            if (options.Has("depths"))
                throw new ArgumentException($"--depths applies to --arch plain-mlp and plain-cnn (whose depth it sets), not --arch {arch}; received '--depths {options.String("depths", "")}'.");
            return [];
        }
        var depths = options.IntList("depths", Architectures.DefaultDepths);
        if (depths.FirstOrDefault(d => d > Architectures.MaxDepth) is int deep and > 0)
            throw new ArgumentException($"--depths must list depths from 1 to {Architectures.MaxDepth}, received {deep}.");
        if (depths.GroupBy(d => d).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"--depths lists {twice.Key} twice ('{string.Join(",", depths)}').");
        return depths;
    }

    /// <summary>`--learning-rates 1e-3,1e-2` (the axis) or `--learning-rate 1e-3` (one value, as before the axis), not both.</summary>
    private static IReadOnlyList<double> LearningRates(Options options)
    {
        if (options.Has("learning-rate") && options.Has("learning-rates"))
            throw new ArgumentException("give --learning-rate (one value) or --learning-rates (a list), not both.");
        return options.PositiveList(options.Has("learning-rate") ? "learning-rate" : "learning-rates", [1e-3]);
    }

    private static Placement ParsePlacement(string text) => text.ToLowerInvariant() switch
    {
        "before" => Placement.Before,
        "after" => Placement.After,
        "post" => Placement.Post,
        "pre" => Placement.Pre,
        "sandwich" => Placement.Sandwich,
        _ => throw new ArgumentException($"--placement takes before, after or both (before,after); for --arch vit and transformer post, pre, sandwich; received '{text}'."),
    };

    /// <summary>One row per cell: means over its trained runs, ± the 95% t-interval's half-width with several, and how many trained.</summary>
    internal static Table Table(ComparisonResult result)
    {
        string S(Stat s, string format, double scale = 1) => !double.IsFinite(s.Mean) ? "—"
            : (s.Mean * scale).ToString(format, CultureInfo.InvariantCulture) + (double.IsFinite(s.HalfWidth) ? " ± " + (s.HalfWidth * scale).ToString(format, CultureInfo.InvariantCulture) : "");
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"{result.Settings.Arch}: {result.TrainSamples:N0} training / {result.TestSamples:N0} test images, {result.Settings.Epochs} epoch(s)" +
                (result.Settings.Seeds > 1 ? "; mean ± 95% CI over the trained runs" : ""));
        var cells = result.Cells;
        bool depths = cells.Any(c => c.Depth != null);
        // The optimizer and learning rate columns only when they vary.
        bool training = result.Settings.SweepsTraining;
        table.AddColumns(["norm", "place", "batch", .. depths ? ["depth"] : Array.Empty<string>(), .. training ? new[] { "optimizer", "lr" } : [], "trained", "test acc %", "train loss",
            $"epochs to {result.Settings.TargetAccuracy * 100:0.#}%", "s/epoch", "cpu s/epoch", "params"]);
        foreach (var c in cells)
        {
            bool best = c.TestAccuracy.Mean >= cells.Where(o => o.BatchSize == c.BatchSize && o.Placement == c.Placement && o.Depth == c.Depth
                && o.Optimizer == c.Optimizer && o.LearningRate == c.LearningRate).Max(o => o.TestAccuracy.Mean);
            string acc = S(c.TestAccuracy, "F2", 100);
            string trained = $"{c.Trained}/{c.Runs}";
            table.AddRow([NormalizationCatalog.Get(c.Norm).Display, c.Placement, c.BatchSize.ToString(CultureInfo.InvariantCulture),
                .. depths ? [$"{c.Depth}"] : Array.Empty<string>(),
                .. training ? new[] { Markup.Escape(OptimizerChoice.Display(c.Optimizer)), OptimizerChoice.Format(c.LearningRate) } : [],
                c.Trained < c.Runs ? $"[red]{trained}[/]" : trained, best ? $"[green bold]{acc}[/]" : acc, S(c.FinalTrainLoss, "F4"),
                c.ReachedTarget == 0 ? "—" : S(c.EpochsToTarget, "0.#") + (c.ReachedTarget < c.Trained ? $" ({c.ReachedTarget}/{c.Trained})" : ""),
                S(c.SecondsPerEpoch, "F1"), S(c.CpuSecondsPerEpoch, "F1"), c.Parameters.ToString("N0", CultureInfo.InvariantCulture)]);
        }
        return table;
    }

    /// <summary>One Spectre progress task per run, advanced per training step.</summary>
    private sealed class LiveProgress(ProgressContext ctx) : ICompareProgress
    {
        private ProgressTask? current;

        public void RunStarted(int index, int total, string label, int stepsPerEpoch, int epochs) =>
            current = ctx.AddTask($"[[{index + 1}/{total}]] {Markup.Escape(label)}", maxValue: stepsPerEpoch * epochs);

        public void StepDone(int index) => current?.Increment(1);

        public void RunFinished(int index, RunResult result)
        {
            if (current == null) return;
            current.Description += double.IsFinite(result.TestAccuracy) ? $" → {result.TestAccuracy * 100:F1}%" : " → diverged";
            current.Value = current.MaxValue;
            current.StopTask();
        }
    }
}

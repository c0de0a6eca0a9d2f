using System.Diagnostics;
using NormLab.Callbacks;
using NormLab.Data;
using NormLab.Distributed;
using NormLab.Layers;

namespace NormLab.Cli.Lab;

/// <summary>What `normlab compare` runs: every combination of normalization, placement, batch size, depth, optimizer, learning rate and seed.</summary>
internal sealed record CompareSettings
{
    public string Arch { get; init; } = "cnn";
    public IReadOnlyList<string> Norms { get; init; } = ["none", "batch", "layer", "group"];
    public IReadOnlyList<int> BatchSizes { get; init; } = [8, 64];
    public IReadOnlyList<Placement> Placements { get; init; } = [Placement.Before];
    /// <summary>`--depths`: the numbers of normalized hidden layers of plain-mlp and plain-cnn; empty for the other
    /// architectures (and in files written before it existed).</summary>
    public IReadOnlyList<int> Depths { get; init; } = [];
    public int Epochs { get; init; } = 1;
    public int Seeds { get; init; } = 1;
    public int FirstSeed { get; init; } = 42;
    public double TargetAccuracy { get; init; } = 0.85;
    /// <summary>`--learning-rates` (or one `--learning-rate`): each run trains at one of them, seed k paired across them.</summary>
    public IReadOnlyList<double> LearningRates { get; init; } = [1e-3];
    /// <summary>`--optimizer`: the <see cref="OptimizerChoice"/> names each run trains with (Adam unless told).</summary>
    public IReadOnlyList<string> Optimizers { get; init; } = ["adam"];
    public int? TrainSamples { get; init; }
    public int? TestSamples { get; init; }
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>`--distributed`: every run trains data-parallel (<c>Fit(..., distributed: true)</c>) over
    /// <see cref="Replicas"/> MPI ranks; the batch sizes are global batches.</summary>
    public bool Distributed { get; init; }
    /// <summary>The number of data-parallel replicas (MPI ranks); 1 without --distributed.</summary>
    public int Replicas { get; init; } = 1;

    /// <summary>The samples each replica sees of a global batch: "4", or "3–4" when the shards are unequal.</summary>
    internal string PerReplica(int batch) =>
        batch % Replicas == 0 ? (batch / Replicas).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : $"{batch / Replicas}–{batch / Replicas + 1}";

    /// <summary>Whether the runs differ in optimizer or learning rate (the tables then show both).</summary>
    internal bool SweepsTraining => LearningRates.Count > 1 || Optimizers.Count > 1;
}

/// <summary>What identifies a run: a resumed study keeps a measured run with the same key instead of training it again.</summary>
internal readonly record struct RunKey(string Norm, string Placement, int BatchSize, int? Depth, string Optimizer, double LearningRate, int Seed);

/// <summary>One training run: one normalization, placement, batch size, depth, optimizer, learning rate and seed.</summary>
internal sealed record RunResult(string Norm, string Placement, int BatchSize, int Seed, int Parameters)
{
    /// <summary>The <see cref="OptimizerChoice"/> name it trained with ("adam" in files written before the optimizer was recorded).</summary>
    public string Optimizer { get; init; } = "adam";
    /// <summary>The learning rate it trained at (the settings' one in files written before it was recorded per run).</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>Test loss before the first step: the ℓ0 of <see cref="LearningRateSweep.Sensitivity"/>; NaN in older files.</summary>
    public double InitialTestLoss { get; set; } = double.NaN;
    /// <summary>Mean training loss over each epoch (Keras's "loss").</summary>
    public List<double> EpochLoss { get; } = new();
    /// <summary>Training accuracy over each epoch.</summary>
    public List<double> EpochTrainAccuracy { get; } = new();
    /// <summary>Test accuracy after each epoch.</summary>
    public List<double> EpochTestAccuracy { get; } = new();
    /// <summary>Test loss after each epoch.</summary>
    public List<double> EpochTestLoss { get; } = new();
    /// <summary>Seconds of training (no evaluation) per epoch, wall clock.</summary>
    public List<double> EpochSeconds { get; } = new();
    /// <summary>CPU seconds the process spent per training epoch (all threads): unlike the wall clock, it does
    /// not grow when other programs share the machine.</summary>
    public List<double> EpochCpuSeconds { get; } = new();
    /// <summary>(epoch as a fraction, mean training loss over the window ending there): about 20 points per epoch.</summary>
    public List<double[]> LossCurve { get; } = new();
    /// <summary>The learned mixing weights and gates (Switchable, Batch-Instance Normalization), if any.</summary>
    public List<MixingReport> Mixing { get; } = new();
    /// <summary>Whether the loss became NaN or infinite.</summary>
    public bool Diverged { get; set; }
    /// <summary>The number of normalized hidden layers (plain-mlp, plain-cnn); null (and not written) for the architectures of fixed depth.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? Depth { get; init; }

    public double TestAccuracy => EpochTestAccuracy.Count > 0 ? EpochTestAccuracy[^1] : double.NaN;
    public double FinalTrainLoss => EpochLoss.Count > 0 ? EpochLoss[^1] : double.NaN;
    public double SecondsPerEpoch => EpochSeconds.Count > 0 ? EpochSeconds.Average() : double.NaN;
    public double CpuSecondsPerEpoch => EpochCpuSeconds.Count > 0 ? EpochCpuSeconds.Average() : double.NaN;
    /// <summary>Test loss after the last epoch; NaN before the first.</summary>
    public double FinalTestLoss => EpochTestLoss.Count > 0 ? EpochTestLoss[^1] : double.NaN;

    /// <summary>The run's identity.</summary>
    internal RunKey Key => new(Norm, Placement, BatchSize, Depth, Optimizer, LearningRate, Seed);

    /// <summary>A copy listed under another placement (for the run without normalization, which has none).</summary>
    internal RunResult WithPlacement(string placement)
    {
        var copy = this with { Placement = placement };
        return copy;
    }

    /// <summary>The first epoch (1-based) whose test accuracy reached <paramref name="target"/>, or null.</summary>
    public int? EpochsTo(double target)
    {
        int i = EpochTestAccuracy.FindIndex(a => a >= target);
        return i < 0 ? null : i + 1;
    }
}

/// <summary>A mean and a sample standard deviation (0 for one value).</summary>
internal readonly record struct Stat(double Mean, double Std, int Count)
{
    /// <summary>The half-width of the 95% t-interval of the mean; NaN with fewer than two values.</summary>
    public double HalfWidth => Count > 1 ? PairedStatistics.StudentTQuantile(0.975, Count - 1) * Std / Math.Sqrt(Count) : double.NaN;

    internal static Stat Of(IEnumerable<double> values)
    {
        var v = values.Where(double.IsFinite).ToArray();
        if (v.Length == 0) return new(double.NaN, double.NaN, 0);
        double mean = v.Average();
        double std = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)) : 0;
        return new(mean, std, v.Length);
    }
}

/// <summary>The seeds of one (normalization, placement, batch size, depth, optimizer, learning rate) cell, summarized over its trained runs
/// (<see cref="Trained"/> of <see cref="Runs"/>); <see cref="NotTrained"/> says what became of the others.</summary>
internal sealed record CellSummary(string Norm, string Placement, int BatchSize, string Optimizer, double LearningRate, int Parameters,
    Stat TestAccuracy, Stat FinalTrainLoss, Stat SecondsPerEpoch, Stat CpuSecondsPerEpoch, Stat EpochsToTarget, int ReachedTarget, int Runs,
    double[] MeanTestAccuracyPerEpoch, double[] MeanLossPerEpoch, int Trained, IReadOnlyList<string> NotTrained)
{
    /// <summary>The depth of the cell's runs (plain-mlp, plain-cnn); null (and not written) for the architectures of fixed depth.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? Depth { get; init; }

    /// <summary>Whether <paramref name="run"/> is one of this cell's seeds.</summary>
    internal bool Holds(RunResult run) => run.Norm == Norm && run.Placement == Placement && run.BatchSize == BatchSize
        && run.Depth == Depth && run.Optimizer == Optimizer && run.LearningRate == LearningRate;

    /// <summary>"Adam at learning rate 0.001": what the cell trained with.</summary>
    internal string Training => OptimizerChoice.Label(Optimizer, LearningRate);
}

/// <summary>Everything a comparison measured.</summary>
internal sealed record ComparisonResult(CompareSettings Settings, string Dataset, int TrainSamples, int TestSamples,
    int[] InputShape, DateTime StartedUtc, double TotalSeconds, List<RunResult> Runs)
{
    /// <summary>The number of classes, which sets chance level; 10 (Fashion-MNIST) for files written before it was recorded.</summary>
    public int Classes { get; init; } = 10;

    /// <summary>The `normlab study` this comparison answers (its name), or null for `normlab compare`.</summary>
    public string? Study { get; init; }

    /// <summary>The depths measured, in increasing order; one null when the architecture has no depth axis.</summary>
    public List<int?> Depths => Runs.Select(r => r.Depth).Distinct().Order().ToList();

    /// <summary>The same comparison restricted to the runs of one depth, for the parts of the report that compare at one depth.</summary>
    public ComparisonResult AtDepth(int? depth) => this with { Runs = Runs.Where(r => r.Depth == depth).ToList() };

    /// <summary>How <paramref name="run"/> ended, by <see cref="RunClassification"/>.</summary>
    public RunStatus StatusOf(RunResult run) => RunClassification.Classify(run, Classes, Settings.Epochs);

    /// <summary>The runs that did not train, each as "BatchNorm before b=2 seed 42 (collapsed to chance level: ...)",
    /// with the optimizer and learning rate ("BatchNorm before b=2 SGD lr=0.1 seed 42 (...)") when they vary.</summary>
    public List<string> NotTrained => Runs.Select(r => (r, status: StatusOf(r))).Where(x => x.status != RunStatus.Trained)
        .Select(x => $"{NormalizationCatalog.Get(x.r.Norm).Display} {x.r.Placement} b={x.r.BatchSize}" +
            (Settings.SweepsTraining ? $" {OptimizerChoice.Display(x.r.Optimizer)} lr={OptimizerChoice.Format(x.r.LearningRate)}" : "") +
            $" seed {x.r.Seed} ({RunClassification.Reason(x.r, x.status)})").ToList();

    /// <summary>One summary per (normalization, placement, batch size, depth, optimizer, learning rate), in the order they
    /// were asked for; the means are over the trained runs only.</summary>
    public List<CellSummary> Cells => Runs
        .GroupBy(r => (r.Norm, r.Placement, r.BatchSize, r.Depth, r.Optimizer, r.LearningRate))
        .Select(g =>
        {
            var all = g.ToList();
            var runs = all.Where(r => StatusOf(r) == RunStatus.Trained).ToList();
            var notTrained = all.Where(r => StatusOf(r) != RunStatus.Trained)
                .Select(r => $"seed {r.Seed} {RunClassification.Reason(r, StatusOf(r))}").ToList();
            int epochs = runs.Count == 0 ? 0 : runs.Max(r => r.EpochTestAccuracy.Count);
            double[] Mean(Func<RunResult, List<double>> pick) => Enumerable.Range(0, epochs)
                .Select(e => Stat.Of(runs.Where(r => pick(r).Count > e).Select(r => pick(r)[e])).Mean).ToArray();
            var reached = runs.Select(r => r.EpochsTo(Settings.TargetAccuracy)).Where(e => e != null).Select(e => (double)e!.Value).ToList();
            return new CellSummary(g.Key.Norm, g.Key.Placement, g.Key.BatchSize, g.Key.Optimizer, g.Key.LearningRate, all[0].Parameters,
                Stat.Of(runs.Select(r => r.TestAccuracy)), Stat.Of(runs.Select(r => r.FinalTrainLoss)),
                Stat.Of(runs.Select(r => r.SecondsPerEpoch)), Stat.Of(runs.Select(r => r.CpuSecondsPerEpoch)), Stat.Of(reached), reached.Count, all.Count,
                Mean(r => r.EpochTestAccuracy), Mean(r => r.EpochLoss), runs.Count, notTrained) { Depth = g.Key.Depth };
        }).ToList();
}

/// <summary>Hooks for a live display; every member may be ignored.</summary>
internal interface ICompareProgress
{
    void RunStarted(int index, int total, string label, int stepsPerEpoch, int epochs) { }
    void StepDone(int index) { }
    void RunFinished(int index, RunResult result) { }
}

/// <summary>Trains one model per (normalization, placement, batch size, depth, optimizer, learning rate, seed) on one dataset and records every number.</summary>
internal static class Comparison
{
    private sealed class Silent : ICompareProgress { }

    /// <param name="checkpoint">Called after every run with the results so far (to save them as they come).</param>
    /// <param name="previous">Runs measured before (a resumed study): a job with the same <see cref="RunKey"/>
    /// is taken from here instead of trained again.</param>
    /// <param name="study">The name of the `normlab study` this comparison answers, recorded in the result.</param>
    internal static ComparisonResult Run(CompareSettings settings, ImageDataset data, ICompareProgress? progress = null,
        Action<ComparisonResult>? checkpoint = null, IReadOnlyList<RunResult>? previous = null, string? study = null)
    {
        progress ??= new Silent();
        var norms = settings.Norms.Select(NormalizationCatalog.Get).ToList();
        var placements = Architectures.HasPlacement(settings.Arch) ? settings.Placements : [Placement.After];
        var sliced = data.Take(settings.TrainSamples, settings.TestSamples);
        var trainX = Architectures.Shape(settings.Arch, sliced.TrainImages);
        var testX = Architectures.Shape(settings.Arch, sliced.TestImages);
        int[] imageShape = sliced.TrainImages.Shape[1..];
        int classes = (int)Math.Max(sliced.TrainLabels.ToArray().Max(), sliced.TestLabels.ToArray().Max()) + 1;
        NormLabConfig.Threads = settings.Threads;
        if (settings.Distributed && settings.BatchSizes.Min() < settings.Replicas)
            throw new ArgumentException($"--distributed over {settings.Replicas} ranks needs every --batch-sizes value (the global batch) >= {settings.Replicas}, received {settings.BatchSizes.Min()}.");

        // Fail on a bad combination before the first hour of training, not after.
        var depths = DepthsOf(settings);
        foreach (var norm in norms)
            foreach (var placement in placements)
                foreach (var depth in depths)
                    Architectures.Build(settings.Arch, norm, placement, imageShape, classes, depth);

        var jobs = (from placement in placements from optimizer in settings.Optimizers from norm in norms from batch in settings.BatchSizes
                    from depth in depths from rate in settings.LearningRates from seed in Enumerable.Range(settings.FirstSeed, settings.Seeds)
                    select (placement, optimizer, norm, batch, depth, rate, seed)).ToList();
        var started = DateTime.UtcNow;
        var total = Stopwatch.StartNew();
        var runs = new List<RunResult>();
        ComparisonResult Result() => new(settings, sliced.Source, trainX.Dim(0), testX.Dim(0), imageShape, started, total.Elapsed.TotalSeconds, runs.ToList())
            { Classes = classes, Study = study };
        for (int i = 0; i < jobs.Count; i++)
        {
            var (placement, optimizer, norm, batch, depth, rate, seed) = jobs[i];
            string placementName = PlacementName(settings.Arch, placement);
            var key = new RunKey(norm.Key, placementName, batch, depth, optimizer, rate, seed);
            string label = $"{norm.Display} {placementName} b={batch}{(depth == null ? "" : $" depth={depth}")}" +
                (settings.SweepsTraining ? $" {OptimizerChoice.Display(optimizer)} lr={OptimizerChoice.Format(rate)}" : "") + $" seed={seed}";
            var measured = previous?.FirstOrDefault(r => r.Key == key);
            if (measured != null)
            {
                runs.Add(measured);
                progress.RunStarted(i, jobs.Count, $"{label} (measured before)", 1, 1);
                progress.RunFinished(i, measured);
                continue;
            }
            // Without a normalization the placement changes nothing: train once, list it under each placement.
            var same = norm.Key == "none" ? runs.FirstOrDefault(r => r.Key == key with { Placement = r.Placement }) : null;
            if (same != null)
            {
                var copy = same.WithPlacement(placementName);
                runs.Add(copy);
                progress.RunStarted(i, jobs.Count, $"{label} (same as {same.Placement})", 1, 1);
                progress.RunFinished(i, copy);
                continue;
            }
            int steps = Steps(trainX.Dim(0), batch, settings);
            progress.RunStarted(i, jobs.Count, label, steps, settings.Epochs);
            var result = TrainOne(settings, key, norm, placement, imageShape, classes,
                trainX, sliced.TrainLabels, testX, sliced.TestLabels, () => progress.StepDone(i));
            runs.Add(result);
            progress.RunFinished(i, result);
            checkpoint?.Invoke(Result());
        }
        return Result();
    }

    /// <summary>The depths to train at: each of --depths, or one null for the architectures of fixed depth.</summary>
    internal static IReadOnlyList<int?> DepthsOf(CompareSettings settings) =>
        settings.Depths.Count == 0 ? [null] : settings.Depths.Select(d => (int?)d).ToList();

    /// <summary>The placement as runs record it: a <see cref="Placement"/> in lower case, or "between" for the rnn.</summary>
    internal static string PlacementName(string arch, Placement placement) =>
        Architectures.HasPlacement(arch) ? placement.ToString().ToLowerInvariant() : "between";

    /// <summary>The seed of the data order of seed <paramref name="seed"/>'s runs: apart from the initialization's stream.</summary>
    internal static int DataOrderSeed(int seed) => unchecked(seed * 31 + 17);

    /// <summary>Training steps per epoch; distributed Fit skips a last batch smaller than the number of ranks.</summary>
    private static int Steps(int samples, int batch, CompareSettings settings)
    {
        batch = FitBatch(samples, batch);
        int steps = (samples + batch - 1) / batch;
        if (settings.Distributed && samples % batch != 0 && samples % batch < settings.Replicas) steps--;
        return steps;
    }

    /// <summary>As in Keras, a batch larger than the data is one batch of all of it (and the step count cannot overflow).</summary>
    private static int FitBatch(int samples, int batch) => Math.Max(1, Math.Min(batch, samples));

    /// <summary>The model of one run, compiled as every run trains it (its optimizer and learning rate, sparse cross-entropy, accuracy).</summary>
    internal static Model Compiled(CompareSettings settings, NormalizationCatalog.Entry norm, Placement placement, int[] imageShape, int classes,
        string optimizer, double learningRate, int? depth = null)
    {
        var model = Architectures.Build(settings.Arch, norm, placement, imageShape, classes, depth);
        model.Compile(optimizer: OptimizerChoice.Create(optimizer, learningRate), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return model;
    }

    private static RunResult TrainOne(CompareSettings settings, RunKey key, NormalizationCatalog.Entry norm, Placement placement,
        int[] imageShape, int classes, Tensor x, Tensor y, Tensor testX, Tensor testY, Action stepDone)
    {
        int batch = key.BatchSize, seed = key.Seed;
        // Paired seeds: seed k gives every configuration the same initial draws for the layers they share (the
        // initializers draw in layer order and the normalizations draw nothing, except spectral normalization's
        // power-iteration vector, which shifts the draws after it), and, reseeded after building, the same data
        // order whatever the model drew (for the cnn and mlp, which draw nothing while training), so per-seed
        // differences compare like with like.
        NormLabRandom.SetSeed(seed);
        var model = Compiled(settings, norm, placement, imageShape, classes, key.Optimizer, key.LearningRate, key.Depth);
        var result = new RunResult(norm.Key, key.Placement, batch, seed, model.CountParams())
            { Depth = key.Depth, Optimizer = key.Optimizer, LearningRate = key.LearningRate };
        // ℓ0 of the learning-rate sensitivity: the untrained model's test loss, the same at every learning rate of a seed.
        if (!settings.Distributed || Communicator.World.IsRoot)
            result.InitialTestLoss = model.Evaluate(testX, testY, batchSize: 256)["loss"];
        NormLabRandom.SetSeed(DataOrderSeed(seed));
        int steps = Steps(x.Dim(0), batch, settings), window = Math.Max(1, steps / 20);
        var clock = new Stopwatch();
        var process = Process.GetCurrentProcess();
        TimeSpan cpuStart = default;
        double windowLoss = 0;
        int windowCount = 0, epochIndex = 0;
        var callback = new LambdaCallback(
            onEpochBegin: epoch => { epochIndex = epoch; process.Refresh(); cpuStart = process.TotalProcessorTime; clock.Restart(); },
            onBatchEnd: (step, logs) =>
            {
                double loss = logs["loss"];
                windowLoss += loss;
                windowCount++;
                if (!double.IsFinite(loss)) result.Diverged = true;
                if (windowCount == window || step == steps - 1)
                {
                    result.LossCurve.Add([epochIndex + (step + 1.0) / steps, windowLoss / windowCount]);
                    windowLoss = 0;
                    windowCount = 0;
                }
                stepDone();
            },
            onEpochEnd: (epoch, logs) =>
            {
                clock.Stop();
                process.Refresh();
                result.EpochSeconds.Add(clock.Elapsed.TotalSeconds);
                result.EpochCpuSeconds.Add((process.TotalProcessorTime - cpuStart).TotalSeconds);
                result.EpochLoss.Add(logs["loss"]);
                result.EpochTrainAccuracy.Add(logs["accuracy"]);
                // Distributed: rank 0 evaluates its replica on the full test set (inference touches no
                // collective, so the other ranks go on to the next epoch and wait for it there).
                if (settings.Distributed && !Communicator.World.IsRoot) return;
                var scores = model.Evaluate(testX, testY, batchSize: 256);
                result.EpochTestAccuracy.Add(scores["accuracy"]);
                result.EpochTestLoss.Add(scores["loss"]);
            });
        try
        {
            model.Fit(x, y, epochs: settings.Epochs, batchSize: FitBatch(x.Dim(0), batch), callbacks: [callback, new TerminateOnNaN()], verbose: 0,
                distributed: settings.Distributed);
        }
        // A run that blew up is a result (it diverged), not a failure of the comparison: on clean images, a
        // normalization layer refusing non-finite batch statistics means the weights went to infinity.
        catch (InvalidOperationException e) when (MovingAverage.IsNonFiniteStatistics(e))
        {
            result.Diverged = true;
        }
        result.Mixing.AddRange(NormalizationCatalog.MixingOf(model));
        return result;
    }
}

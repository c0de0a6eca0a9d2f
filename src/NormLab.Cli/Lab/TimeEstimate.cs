using System.Diagnostics;
using NormLab.Data;

namespace NormLab.Cli.Lab;

/// <summary>
/// The time a comparison will take, from a quick timing: for each (normalization, placement, batch size, depth, optimizer) a pass of
/// Fit over a few steps after a warm-up pass, and one evaluation of 256 test images, scaled to the steps and test images
/// of every run still to train. Other programs on the machine slow the runs down: it is an estimate, not a promise.
/// </summary>
internal static class TimeEstimate
{
    /// <summary>The training steps timed per configuration (after as many for warming up).</summary>
    private const int TimedSteps = 4;

    /// <param name="skip">Whether a run is already measured (a resumed study).</param>
    internal static (double Seconds, int Runs) Of(CompareSettings settings, ImageDataset data, Func<RunKey, bool> skip)
    {
        NormLabConfig.Threads = settings.Threads;
        var sliced = data.Take(settings.TrainSamples, settings.TestSamples);
        int train = sliced.TrainImages.Dim(0), test = sliced.TestImages.Dim(0);
        int[] imageShape = sliced.TrainImages.Shape[1..];
        int classes = (int)Math.Max(sliced.TrainLabels.ToArray().Max(), sliced.TestLabels.ToArray().Max()) + 1;
        var placements = Architectures.HasPlacement(settings.Arch) ? settings.Placements : [Placement.After];
        var seeds = Enumerable.Range(settings.FirstSeed, settings.Seeds).ToList();
        double seconds = 0;
        int runs = 0;
        foreach (var placement in placements)
            foreach (var optimizer in settings.Optimizers)
                foreach (var norm in settings.Norms.Select(NormalizationCatalog.Get))
                    foreach (int batch in settings.BatchSizes)
                        foreach (var depth in Comparison.DepthsOf(settings))
                        {
                            string placementName = Comparison.PlacementName(settings.Arch, placement);
                            // Without a normalization, Comparison trains once for every placement.
                            if (norm.Key == "none" && placement != placements[0]) continue;
                            // The learning rate does not change the time of a step: one timing for all of them.
                            int toRun = settings.LearningRates.Sum(rate =>
                                seeds.Count(seed => !skip(new RunKey(norm.Key, placementName, batch, depth, optimizer, rate, seed))));
                            if (toRun == 0) continue;
                            int size = Math.Max(1, Math.Min(batch, train)), steps = (train + size - 1) / size;
                            var (step, evaluation) = Time(settings, norm, placement, depth, optimizer, imageShape, classes,
                                data.Take(Math.Min(train, TimedSteps * size), Math.Min(256, test)), size);
                            // Each epoch evaluates the test set once, and each run once more before training.
                            seconds += toRun * (settings.Epochs * steps * step + (settings.Epochs + 1) * evaluation * test / Math.Min(256.0, test));
                            runs += toRun;
                        }
        return (seconds, runs);
    }

    private static (double Step, double Evaluation) Time(CompareSettings settings, NormalizationCatalog.Entry norm, Placement placement, int? depth,
        string optimizer, int[] imageShape, int classes, ImageDataset sample, int batch)
    {
        var model = Comparison.Compiled(settings, norm, placement, imageShape, classes, optimizer, settings.LearningRates[0], depth);
        var x = Architectures.Shape(settings.Arch, sample.TrainImages);
        int samples = x.Dim(0);
        model.Fit(x, sample.TrainLabels, epochs: 1, batchSize: batch, verbose: 0);   // warm-up: first-call allocations and JIT
        // A second pass through Fit, as the runs train (batch gathering, metrics, callbacks), over a few steps.
        var clock = Stopwatch.StartNew();
        model.Fit(x, sample.TrainLabels, epochs: 1, batchSize: batch, verbose: 0);
        double step = clock.Elapsed.TotalSeconds / ((samples + batch - 1) / batch);
        clock.Restart();
        model.Evaluate(Architectures.Shape(settings.Arch, sample.TestImages), sample.TestLabels, batchSize: 256);
        return (step, clock.Elapsed.TotalSeconds);
    }
}

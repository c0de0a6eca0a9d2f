using System.Diagnostics;
using NormLab.Data;

namespace NormLab.Cli.Lab;

/// <summary>
/// The time a comparison will take, from a quick timing: for each (normalization, placement, batch size) one
/// training step after a warm-up step, and one evaluation of 256 test images, scaled to the steps and test images
/// of every run still to train. Training only grows with the machine's load, so it is an estimate, not a promise.
/// </summary>
internal static class TimeEstimate
{
    /// <param name="skip">Whether a (normalization key, placement, batch size, seed) run is already measured (a resumed study).</param>
    internal static (double Seconds, int Runs) Of(CompareSettings settings, ImageDataset data, Func<string, string, int, int, bool> skip)
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
            foreach (var norm in settings.Norms.Select(NormalizationCatalog.Get))
                foreach (int batch in settings.BatchSizes)
                {
                    string placementName = Architectures.HasPlacement(settings.Arch) ? placement.ToString().ToLowerInvariant() : "between";
                    // Without a normalization, Comparison trains once for every placement.
                    if (norm.Key == "none" && placement != placements[0]) continue;
                    int toRun = seeds.Count(seed => !skip(norm.Key, placementName, batch, seed));
                    if (toRun == 0) continue;
                    int size = Math.Max(1, Math.Min(batch, train)), steps = (train + size - 1) / size;
                    var (step, evaluation) = Time(settings, norm, placement, imageShape, classes, data.Take(size, Math.Min(256, test)));
                    seconds += toRun * settings.Epochs * (steps * step + evaluation * test / Math.Min(256.0, test));
                    runs += toRun;
                }
        return (seconds, runs);
    }

    private static (double Step, double Evaluation) Time(CompareSettings settings, NormalizationCatalog.Entry norm, Placement placement,
        int[] imageShape, int classes, ImageDataset sample)
    {
        var model = Comparison.Compiled(settings, norm, placement, imageShape, classes);
        var x = Architectures.Shape(settings.Arch, sample.TrainImages);
        model.TrainOnBatch(x, sample.TrainLabels);   // warm-up: first-call allocations and JIT
        var clock = Stopwatch.StartNew();
        model.TrainOnBatch(x, sample.TrainLabels);
        double step = clock.Elapsed.TotalSeconds;
        clock.Restart();
        model.Evaluate(Architectures.Shape(settings.Arch, sample.TestImages), sample.TestLabels, batchSize: 256);
        return (step, clock.Elapsed.TotalSeconds);
    }
}

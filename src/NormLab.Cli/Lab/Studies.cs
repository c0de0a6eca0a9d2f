using System.Globalization;

namespace NormLab.Cli.Lab;

/// <summary>
/// A `normlab study`: one question, a fixed setup that answers it (a <see cref="CompareSettings"/> run by
/// <see cref="Comparison"/>), the statements of its answer computed from the runs, and what it does not show.
/// </summary>
/// <param name="Name">The name on the command line.</param>
/// <param name="Question">The question, as the report states it.</param>
/// <param name="Settings">The full-size setup; --seeds, --epochs, --train-samples, --test-samples, --threads override it.</param>
/// <param name="Data">The default --data.</param>
/// <param name="Answer">The result's statements, each with its uncertainty.</param>
/// <param name="DoesNotShow">What the study cannot show, whatever its numbers.</param>
internal sealed record Study(string Name, string Question, CompareSettings Settings, string Data,
    Func<ComparisonResult, List<string>> Answer, string DoesNotShow)
{
    /// <summary>The setup in one sentence, from the (possibly overridden) settings.</summary>
    internal static string Setup(CompareSettings s, string data, int trainSamples, int testSamples) =>
        $"--arch {s.Arch}: {string.Join(", ", s.Norms.Select(n => NormalizationCatalog.Get(n).Display))} " +
        $"at batch size {string.Join(", ", s.BatchSizes)}{(s.Depths.Count > 0 ? $", depth {string.Join(", ", s.Depths)} (normalized hidden layers)" : "")}, " +
        (Architectures.IsTransformer(s.Arch) ? "" : "normalization ") +
        string.Join(" and ", s.Placements.Select(p => p.ToString().ToLowerInvariant())) + (Architectures.IsTransformer(s.Arch) ? "-norm residual blocks; " : " the activation; ") +
        $"{s.Seeds} paired seed(s) from {s.FirstSeed} (seed k gives every configuration the same data order and initial weights), {s.Epochs} epoch(s) of " +
        $"{OptimizerChoice.Describe(s)} on {trainSamples:N0} training images of {data}, tested on {testSamples:N0}.";
}

/// <summary>The studies `normlab study NAME` runs.</summary>
internal static class Studies
{
    internal static readonly IReadOnlyList<Study> All =
    [
        new("batch-size",
            "How does each normalization's test accuracy depend on the batch size? (the shape of Figure 1 of Wu and He's Group Normalization paper)",
            new CompareSettings
            {
                Arch = "cnn", Norms = ["none", "batch", "group", "layer", "instance"], BatchSizes = [2, 4, 8, 16, 32, 64],
                Placements = [Placement.Before], Epochs = 2, Seeds = 5, TrainSamples = 10000, TestSamples = 2000,
            },
            "subset", BatchSizeAnswer,
            "What it does not show: why an accuracy changes with the batch size (small batches also take more, noisier steps per epoch at the same " +
            "learning rate, which helps or hurts every normalization, not only batch norm), whether the differences last with longer training or a tuned " +
            "learning rate per batch size, or anything about larger networks and datasets than this small CNN on Fashion-MNIST."),
        new("placement",
            "Is it better to normalize before or after the activation, for batch norm and layer norm?",
            new CompareSettings
            {
                Arch = "cnn", Norms = ["batch", "layer"], BatchSizes = [8, 64], Placements = [Placement.Before, Placement.After],
                Epochs = 3, Seeds = 5, TrainSamples = 10000, TestSamples = 2000,
            },
            "subset", PlacementAnswer,
            "What it does not show: whether the answer holds for other architectures (residual networks, transformers, where placement is a different " +
            "question), other normalizations, longer training or a learning rate tuned per placement; a difference within noise is not evidence that " +
            "the placements are equal, only that this many seeds cannot tell them apart."),
        new("learning-rate",
            "Does batch norm let a network train at higher learning rates than no normalization, group norm or layer norm, with SGD and with Adam?",
            new CompareSettings
            {
                Arch = "cnn", Norms = ["none", "batch", "group", "layer"], BatchSizes = [64], Placements = [Placement.Before],
                Optimizers = ["sgd", "adam"], LearningRates = [1e-3, 3e-3, 1e-2, 3e-2, 1e-1], Epochs = 2, Seeds = 3, TrainSamples = 8000, TestSamples = 1000,
            },
            "subset", LearningRateAnswers.LearningRate,
            "What it does not show: the best learning rate of each normalization between the measured ones (they are a decade apart), whether a " +
            "warmup or a decaying schedule would let the others catch up, or how the limits move with longer training, other batch sizes, deeper " +
            "networks (where Bjorck et al. tie batch norm's benefit to large learning rates) or other data than this small CNN on Fashion-MNIST. " +
            "A run that trains is not a good run: compare the accuracies too."),
        new("transformer",
            "Which normalization for a transformer, and which tolerates high learning rates without warmup?",
            new CompareSettings
            {
                Arch = "vit", Norms = ["layer", "rms", "dyt", "none"], BatchSizes = [64], Placements = [Placement.Pre, Placement.Post],
                Optimizers = ["adam"], LearningRates = [1e-3, 3e-3, 1e-2], Epochs = 3, Seeds = 3, TrainSamples = 6000, TestSamples = 1000,
            },
            "subset", LearningRateAnswers.Transformer,
            "What it does not show: what a warmup would change (every run here starts at its full learning rate, which is the point: post-LN is said to " +
            "need warmup, pre-LN and DyT not), anything about deep or large transformers, where these instabilities are worse (4 blocks of dimension 64 " +
            "on 28×28 images is tiny), language models, or longer training; a difference within noise is not evidence of equality."),
        new("depth",
            "Does normalization matter more in deeper networks?",
            new CompareSettings
            {
                Arch = "plain-cnn", Norms = ["none", "batch", "layer", "group"], BatchSizes = [64], Placements = [Placement.Before], Depths = [2, 4, 8, 16, 20],
                Epochs = 4, Seeds = 5, TrainSamples = 10000, TestSamples = 2000,
            },
            "subset", DepthAnswer.Of,
            "What it does not show: why a deep plain network without normalization trains worse (vanishing or exploding signals, a learning " +
            "rate too high or too low for its depth, or an initialization that a scheme such as Fixup or a tuned one would fix), whether " +
            "shortcuts (--arch resnet) remove the need, or how the gap behaves at hundreds of layers, with longer training or on larger " +
            "images and datasets; a slope within noise is not evidence that the gap is constant, only that this many seeds cannot tell."),
    ];

    internal static Study Get(string name) => All.FirstOrDefault(s => s.Name == name)
        ?? throw new ArgumentException($"unknown study '{name}'; expected one of {string.Join(", ", All.Select(s => s.Name))}.");

    private static string Display(string norm) => NormalizationCatalog.Get(norm).Display;

    /// <summary>A cell with no trained run, said with its failures: "no run trained (seed 42 collapsed to chance level: ...)".</summary>
    private static string Failed(CellSummary c) => $"no run trained ({string.Join("; ", c.NotTrained)})";

    /// <summary>Per normalization, the test accuracy at the smallest and the largest batch size and their paired difference;
    /// then, at the smallest batch, group norm against batch norm (Wu and He's claim).</summary>
    private static List<string> BatchSizeAnswer(ComparisonResult result)
    {
        var answer = new List<string>();
        var cells = result.Cells;
        var batches = cells.Select(c => c.BatchSize).Distinct().Order().ToList();
        if (batches.Count < 2) return ["Fewer than two batch sizes were measured: nothing to answer yet."];
        int small = batches[0], large = batches[^1];
        foreach (var norm in result.Settings.Norms)
        {
            var at = cells.Where(c => c.Norm == norm).ToDictionary(c => c.BatchSize);
            if (!at.TryGetValue(small, out var s) || !at.TryGetValue(large, out var l)) continue;
            if (s.Trained == 0 || l.Trained == 0)
            {
                answer.Add($"{Display(norm)}: at batch size {small} {(s.Trained == 0 ? Failed(s) : Findings.Accuracy(s))}; at {large} {(l.Trained == 0 ? Failed(l) : Findings.Accuracy(l))}.");
                continue;
            }
            var change = PairedDifference.OfAccuracy(result, s, l);
            answer.Add($"{Display(norm)}: {Findings.Accuracy(s)} at batch size {small} against {Findings.Accuracy(l)} at {large}; the change is {change.Verdict()}.");
        }
        var group = cells.FirstOrDefault(c => c.Norm == "group" && c.BatchSize == small);
        var batch = cells.FirstOrDefault(c => c.Norm == "batch" && c.BatchSize == small);
        if (group is { Trained: > 0 } && batch is { Trained: > 0 })
            answer.Add($"At batch size {small}, GroupNorm against BatchNorm: {Findings.Pts(group.TestAccuracy.Mean - batch.TestAccuracy.Mean)}, " +
                $"{PairedDifference.OfAccuracy(result, group, batch).Verdict()}.");
        return answer;
    }

    /// <summary>Per normalization and batch size, before minus after the activation, paired by seed.</summary>
    private static List<string> PlacementAnswer(ComparisonResult result)
    {
        var answer = new List<string>();
        var cells = result.Cells;
        foreach (var norm in result.Settings.Norms)
            foreach (int b in result.Settings.BatchSizes)
            {
                var before = cells.FirstOrDefault(c => c.Norm == norm && c.BatchSize == b && c.Placement == "before");
                var after = cells.FirstOrDefault(c => c.Norm == norm && c.BatchSize == b && c.Placement == "after");
                if (before == null || after == null) continue;
                string Acc(CellSummary c) => c.Trained == 0 ? Failed(c) : Findings.Accuracy(c);
                string verdict = before.Trained > 0 && after.Trained > 0
                    ? $"; before minus after is {PairedDifference.OfAccuracy(result, before, after).Verdict()}" : "";
                answer.Add($"{Display(norm)} at batch size {b}: {Acc(before)} before the activation, {Acc(after)} after{verdict}.");
            }
        if (answer.Count == 0) answer.Add("No normalization was measured at both placements yet: nothing to answer.");
        return answer;
    }
}

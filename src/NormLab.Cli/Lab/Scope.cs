using System.Globalization;

namespace NormLab.Cli.Lab;

/// <summary>What a comparison of its size can and cannot show, said in every report so that a quick run is not read as an answer.</summary>
internal static class Scope
{
    internal static string Of(ComparisonResult result)
    {
        if (result.Study != null) return Studies.Get(result.Study).DoesNotShow;
        var s = result.Settings;
        string size = $"{result.TrainSamples.ToString("N0", CultureInfo.InvariantCulture)} training images, {s.Epochs} epoch(s), {s.Seeds} seed(s) per configuration";
        string noise = s.Seeds == 1
            ? "with one seed no difference can be told from run-to-run noise"
            : $"with {s.Seeds} seeds only differences larger than the seed-to-seed noise are called real, and smaller real ones go unseen";
        return $"What a run of this size ({size}) can show: that each configuration trains or fails, how far it got and what it costs per epoch. " +
            $"It cannot show which normalization is better: {noise}, and a model this briefly trained is far from converged, so early differences need not last. " +
            "For a measured answer with its uncertainty, run a study: normlab study batch-size, placement, learning-rate, transformer or depth (normlab study --help lists them all).";
    }
}

using System.Globalization;

namespace NormLab.Cli.Lab;

/// <summary>
/// One normalization trained at several learning rates, at one placement, batch size, depth and optimizer: its
/// learning-rate sensitivity per seed and how many of its runs failed.
/// </summary>
/// <param name="LearningRates">The learning rates measured, ascending.</param>
/// <param name="Sensitivity">The mean over the seeds of <see cref="SensitivityBySeed"/>, with its 95% interval.</param>
/// <param name="SensitivityBySeed">Per seed measured at every learning rate (not stopped, ℓ0 recorded), its <see cref="Of(IReadOnlyList{double}, IReadOnlyList{double})"/>.</param>
/// <param name="Runs">The runs of the sweep, every learning rate and seed.</param>
/// <param name="Diverged">How many of them diverged.</param>
/// <param name="Collapsed">How many of them collapsed to chance level.</param>
/// <param name="LargestTrained">The largest learning rate at which every seed trained (none diverged, collapsed or stopped), or null.</param>
internal sealed record LearningRateSweep(string Norm, string Placement, int BatchSize, string Optimizer, IReadOnlyList<double> LearningRates,
    Interval Sensitivity, IReadOnlyDictionary<int, double> SensitivityBySeed, int Runs, int Diverged, int Collapsed, double? LargestTrained)
{
    /// <summary>The depth of the sweep's runs (plain-mlp, plain-cnn); null (and not written) for the architectures of fixed depth.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? Depth { get; init; }

    /// <summary>
    /// The LR sensitivity of Wortsman et al. 2023, "Small-scale proxies for large-scale Transformer training
    /// instabilities" (arXiv:2309.14322, section 2.2): E_η[min(ℓ(A(η)), ℓ0)] − min_η ℓ(A(η)), the mean over the swept
    /// learning rates η of the final loss, capped at the loss at initialization ℓ0 (a run that diverged counts as ℓ0),
    /// minus the best final loss of the sweep. 0 when every learning rate did as well as the best; large when
    /// some diverged or learned little. Here ℓ is the test cross-entropy (the paper's is the final validation loss).
    /// </summary>
    /// <param name="finalLosses">The final loss at each learning rate; NaN or infinite where the run diverged.</param>
    /// <param name="initialLosses">ℓ0 of each run (the same model before training, so equal across one seed's rates).</param>
    /// <returns>The sensitivity; NaN when no learning rate ended with a finite loss (no best to measure from).</returns>
    internal static double Of(IReadOnlyList<double> finalLosses, IReadOnlyList<double> initialLosses)
    {
        if (finalLosses.Count != initialLosses.Count || finalLosses.Count == 0)
            throw new ArgumentException($"LR sensitivity needs one initial loss per final loss, received {finalLosses.Count} and {initialLosses.Count}.");
        var finite = finalLosses.Where(double.IsFinite).ToList();
        if (finite.Count == 0) return double.NaN;
        double capped = finalLosses.Select((l, i) => double.IsFinite(l) ? Math.Min(l, initialLosses[i]) : initialLosses[i]).Average();
        return capped - finite.Min();
    }

    /// <summary>One sweep per (normalization, placement, batch size, depth, optimizer) measured at two or more learning rates, in the order of the runs.</summary>
    internal static List<LearningRateSweep> Of(ComparisonResult result) => result.Runs
        .GroupBy(r => (r.Norm, r.Placement, r.BatchSize, r.Depth, r.Optimizer))
        .Select(g =>
        {
            var rates = g.Select(r => r.LearningRate).Distinct().Order().ToList();
            var statuses = g.ToDictionary(r => r, result.StatusOf);
            var bySeed = new Dictionary<int, double>();
            foreach (var seed in g.GroupBy(r => r.Seed))
            {
                var runs = rates.Select(rate => seed.FirstOrDefault(r => r.LearningRate == rate)).ToList();
                if (runs.Any(r => r == null || statuses[r] == RunStatus.Stopped || !double.IsFinite(r.InitialTestLoss))) continue;
                double value = Of(runs.Select(r => statuses[r!] == RunStatus.Diverged ? double.NaN : r!.FinalTestLoss).ToList(),
                    runs.Select(r => r!.InitialTestLoss).ToList());
                if (double.IsFinite(value)) bySeed[seed.Key] = value;
            }
            double? largest = rates.Where(rate => g.Where(r => r.LearningRate == rate).All(r => statuses[r] == RunStatus.Trained))
                .Select(rate => (double?)rate).LastOrDefault();
            return new LearningRateSweep(g.Key.Norm, g.Key.Placement, g.Key.BatchSize, g.Key.Optimizer, rates,
                PairedStatistics.MeanInterval(bySeed.OrderBy(p => p.Key).Select(p => p.Value).ToList()), bySeed, g.Count(),
                statuses.Values.Count(s => s == RunStatus.Diverged), statuses.Values.Count(s => s == RunStatus.Collapsed), largest) { Depth = g.Key.Depth };
        })
        .Where(s => s.LearningRates.Count > 1).ToList();

    /// <summary>This sweep's sensitivity minus <paramref name="other"/>'s, paired over the seeds measured in both.</summary>
    internal PairedDifference Against(LearningRateSweep other)
    {
        var seeds = SensitivityBySeed.Keys.Intersect(other.SensitivityBySeed.Keys).Order().ToList();
        if (seeds.Count == 0) return new(new Interval(double.NaN, double.NaN, 0), double.NaN);
        var (difference, p) = PairedStatistics.PairedTTest(seeds.Select(s => SensitivityBySeed[s]).ToList(), seeds.Select(s => other.SensitivityBySeed[s]).ToList());
        return new(difference, p);
    }

    /// <summary>The sweep of the same placement, batch size, depth and optimizer for <paramref name="norm"/> among <paramref name="sweeps"/>, or null.</summary>
    internal LearningRateSweep? Sibling(IEnumerable<LearningRateSweep> sweeps, string norm) =>
        sweeps.FirstOrDefault(s => s.Norm == norm && s.Placement == Placement && s.BatchSize == BatchSize && s.Depth == Depth && s.Optimizer == Optimizer);

    /// <summary>Whether <paramref name="cell"/> is one of this sweep's learning rates.</summary>
    internal bool Holds(CellSummary cell) => cell.Norm == Norm && cell.Placement == Placement && cell.BatchSize == BatchSize && cell.Depth == Depth
        && cell.Optimizer == Optimizer;

    /// <summary>"0.123 ± 0.045 nats (95% CI, 3 seeds)", or why there is none.</summary>
    internal string SensitivityText() => Sensitivity.Count == 0
        ? "not measured (no seed ended with a finite loss at some learning rate, or the file predates the loss at initialization)"
        : F(Sensitivity.Mean) + (double.IsFinite(Sensitivity.HalfWidth) ? $" ± {F(Sensitivity.HalfWidth)}" : "") + $" nats (95% CI, {Sensitivity.Count} seed(s))";

    /// <summary>"every seed trained up to learning rate 0.01 (2 of 12 runs diverged, 1 collapsed)".</summary>
    internal string StabilityText() =>
        (LargestTrained is { } rate ? $"every seed trained up to learning rate {OptimizerChoice.Format(rate)}" : "at no learning rate did every seed train") +
        $" ({Diverged} of {Runs} runs diverged, {Collapsed} collapsed)";

    /// <summary>
    /// The sweep in one sentence: where it trained, its sensitivity and, when <paramref name="reference"/> is given
    /// (None, or LayerNorm), the paired difference of the sensitivities, real only when the paired t-test says so.
    /// </summary>
    internal string Describe(LearningRateSweep? reference)
    {
        string against = reference == null || reference == this ? ""
            : $"; against {NormalizationCatalog.Get(reference.Norm).Display}: {Against(reference).Verdict("nats", 3)}";
        return $"{NormalizationCatalog.Get(Norm).Display} ({Placement}, batch {BatchSize}{(Depth == null ? "" : $", depth {Depth}")}, {OptimizerChoice.Display(Optimizer)}): {StabilityText()}; " +
            $"LR sensitivity {SensitivityText()}{against}.";
    }

    /// <summary>The lab's statements on every sweep of a comparison (empty with one learning rate): what the sensitivity is, then one per sweep against None.</summary>
    internal static List<string> Findings(ComparisonResult result)
    {
        var sweeps = Of(result);
        if (sweeps.Count == 0) return [];
        var findings = new List<string>
        {
            "Learning-rate sensitivity (Wortsman et al. 2023): per seed, the mean over the swept learning rates of min(final test loss, test loss before training) " +
            "minus the best final test loss; 0 when every rate did as well as the best, and a diverged run counts as the untrained model. " +
            "A difference is real only when the paired t-test over the seeds says so.",
        };
        findings.AddRange(sweeps.Select(s => s.Describe(s.Sibling(sweeps, "none"))));
        return findings;
    }

    private static string F(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);
}

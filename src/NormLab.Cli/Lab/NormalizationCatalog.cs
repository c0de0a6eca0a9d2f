using NormLab.Layers;

namespace NormLab.Cli.Lab;

/// <summary>Where a normalization layer is placed: the shape it sees and a unique name for it.</summary>
/// <param name="Rank">The rank of its input, batch included: 2 (dense), 3 (sequence), 4 (image).</param>
/// <param name="Channels">The size of the last (feature/channel) axis.</param>
/// <param name="Name">A name for the layer, unique in the model.</param>
internal readonly record struct NormSite(int Rank, int Channels, string Name)
{
    /// <summary>Every axis but the batch: what layer and RMS normalization normalize over on images.
    /// On sequences only the features, so each time step is normalized on its own (as in LayerNorm-LSTM).</summary>
    internal int[] SampleAxes => Rank == 4 ? [1, 2, 3] : [-1];
}

/// <summary>The learned mixing weights or gate of one layer (Switchable, Batch-Instance Normalization).</summary>
/// <param name="Layer">The layer's name.</param>
/// <param name="Title">What the values are, e.g. "mean weights" or "gate ρ".</param>
/// <param name="Labels">One label per value (e.g. "IN", "LN", "BN", or a channel index).</param>
/// <param name="Values">The learned values.</param>
internal sealed record MixingReport(string Layer, string Title, IReadOnlyList<string> Labels, IReadOnlyList<double> Values);

/// <summary>
/// A normalization layer whose learned mixing the report can chart. A layer can implement it itself,
/// or its catalog entry can adapt it (see <see cref="NormalizationCatalog.Entry.Mixing"/>).
/// </summary>
internal interface IReportsMixing
{
    /// <summary>The learned mixing weights and gates, after training.</summary>
    IEnumerable<MixingReport> Mixing();
}

/// <summary>
/// The short names of <c>--norms</c> and the layer each makes. Adding a normalization is one line
/// in <see cref="Entries"/>; give it a <c>mixing</c> adapter if the report should chart its learned mixing.
/// </summary>
internal static class NormalizationCatalog
{
    /// <summary>One normalization: its short name, a display name, and a factory for the layer after each hidden
    /// layer (null makes none). Weight normalizations instead <c>Wrap</c> the hidden Conv2D/Dense layer itself.
    /// <c>QkNorm</c> is set on the "+qk-" variants that <c>--qk-norm</c> adds for the transformer architectures.</summary>
    internal sealed record Entry(string Key, string Display, Func<NormSite, Layer?> Create,
        Func<Layer, IEnumerable<MixingReport>>? Mixing = null, int MinRank = 2, Func<Layer, NormSite, Layer>? Wrap = null,
        string? QkNorm = null)
    {
        /// <summary>The normalization's own key, without a "+qk-" suffix.</summary>
        internal string BaseKey => QkNorm == null ? Key : Key[..Key.IndexOf(QkSeparator, StringComparison.Ordinal)];
    }

    private const string QkSeparator = "+qk-";
    private static readonly string[] QkNorms = ["layer", "rms", "l2"];

    internal static readonly IReadOnlyList<Entry> Entries =
    [
        new("none", "None", _ => null),
        // Momentum 0.9 (PyTorch's 0.1) rather than Keras's 0.99: lab runs are short, and with 0.99 the moving
        // statistics still carry half their initial values after 70 steps, which would judge BatchNorm at
        // large batches on unconverged inference statistics rather than on the normalization itself.
        new("batch", "BatchNorm", s => new BatchNormalization(momentum: 0.9, name: s.Name)),
        // Statistics of the global batch across the replicas of `compare --distributed` (PyTorch's SyncBatchNorm);
        // in one process it is "batch".
        new("batch-sync", "SyncBatchNorm", s => new BatchNormalization(momentum: 0.9, synchronized: true, name: s.Name)),
        new("layer", "LayerNorm", s => new LayerNormalization(axis: s.SampleAxes, name: s.Name)),
        new("group", "GroupNorm", s => new GroupNormalization(groups: GroupCount(s.Channels), name: s.Name)),
        // Needs spatial or time axes to normalize over, so not after a Dense layer.
        new("instance", "InstanceNorm", s => new InstanceNormalization(name: s.Name), MinRank: 3),
        new("rms", "RMSNorm", s => new RMSNormalization(axis: s.SampleAxes, name: s.Name)),
        // Over the last (channel/feature) axis, as in a transformer block.
        new("dyt", "DyT", s => new DynamicTanh(name: s.Name)),
        new("scale", "ScaleNorm", s => new ScaleNorm(name: s.Name)),
        new("unit", "UnitNorm", s => new UnitNormalization(axis: s.SampleAxes, name: s.Name)),
        new("spectral", "SpectralNorm", _ => null, Wrap: (hidden, s) => new SpectralNormalization(hidden, name: s.Name)),
        new("weight", "WeightNorm", _ => null, Wrap: (hidden, s) => new WeightNormalization(hidden, name: s.Name)),
        new("ws", "WeightStd", _ => null, Wrap: (hidden, s) => hidden is Conv2D conv ? new WeightStandardization(conv, name: s.Name)
            : throw new ArgumentException($"--norms ws standardizes Conv2D kernels; {hidden.Name} is a {hidden.GetType().Name}.")),
        new("mean-only", "MeanOnlyBN", s => new MeanOnlyBatchNormalization(momentum: 0.9, name: s.Name)),
        // Not "ghost" yet: GhostBatchNormalization needs every training batch (the last, partial one too)
        // to be a multiple of its virtual batch size, which a factory without the batch size cannot promise.
        new("frn", "FRN", s => new FilterResponseNormalization(name: s.Name)),
        new("evonorm-b0", "EvoNorm-B0", s => new EvoNormB0(name: s.Name), MinRank: 3),
        new("evonorm-s0", "EvoNorm-S0", s => new EvoNormS0(groups: GroupCount(s.Channels), name: s.Name)),
        new("switchable", "SwitchNorm", s => new SwitchableNormalization(momentum: 0.9, name: s.Name), Mixing: SwitchableMixing),
        new("batch-instance", "BatchInstanceNorm", s => new BatchInstanceNormalization(momentum: 0.9, name: s.Name), MinRank: 3, Mixing: GateOf),
    ];

    private static IEnumerable<MixingReport> SwitchableMixing(Layer layer)
    {
        if (layer is not SwitchableNormalization sn || sn.MeanWeights is not { } mean || sn.VarianceWeights is not { } variance) yield break;
        string[] labels = ["IN", "LN", "BN"];
        yield return new MixingReport(sn.Name, "mean weights", labels[..mean.Length], mean);
        yield return new MixingReport(sn.Name, "variance weights", labels[..variance.Length], variance);
    }

    private static IEnumerable<MixingReport> GateOf(Layer layer)
    {
        if (layer is not BatchInstanceNormalization bin || bin.Rho is not { } rho) yield break;
        yield return new MixingReport(bin.Name, "gate ρ per channel (1 = BN, 0 = IN)", rho.Select((_, c) => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList(), rho);
    }

    /// <summary>The entry for a short name (case-insensitive), or for "name+qk-variant"; unknown names list the valid ones.</summary>
    internal static Entry Get(string key)
    {
        int qk = key.IndexOf(QkSeparator, StringComparison.OrdinalIgnoreCase);
        if (qk >= 0)
        {
            string variant = key[(qk + QkSeparator.Length)..].Trim().ToLowerInvariant();
            if (!QkNorms.Contains(variant))
                throw new ArgumentException($"unknown --qk-norm '{variant}'; expected one of {string.Join(", ", QkNorms)}.");
            var plain = Get(key[..qk]);
            return plain with { Key = plain.Key + QkSeparator + variant, Display = $"{plain.Display} + QK-{(variant == "l2" ? "L2" : Get(variant).Display)}", QkNorm = variant };
        }
        return Entries.FirstOrDefault(e => string.Equals(e.Key, key.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"unknown normalization '{key}'; expected one of {string.Join(", ", Entries.Select(e => e.Key))}.");
    }

    /// <summary>The --norms list followed by each of its normalizations with each --qk-norm variant ("layer+qk-l2").</summary>
    internal static IReadOnlyList<string> WithQkVariants(IReadOnlyList<string> norms, IReadOnlyList<string> qkNorms) =>
        [.. norms, .. qkNorms.SelectMany(q => norms.Select(n => n + QkSeparator + q))];

    /// <summary>The learned mixing of every layer in the model that has one.</summary>
    internal static IEnumerable<MixingReport> MixingOf(Model model) =>
        model.Layers.SelectMany(layer => layer is IReportsMixing own
            ? own.Mixing()
            : Entries.Where(e => e.Mixing != null).SelectMany(e => e.Mixing!(layer)));

    /// <summary>8 groups, reduced until it divides the channels. Wu and He's 32 suits 64-2048 channels; on the
    /// lab's 32- and 64-channel layers it would make the first layer instance normalization.</summary>
    internal static int GroupCount(int channels)
    {
        int groups = Math.Min(8, channels);
        while (channels % groups != 0) groups--;
        return groups;
    }
}

using NormLab.Cli.Lab;
using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Registration;

/// Adding a layer touches several lists; these fail when one is forgotten.
public class RegistrationTests
{
    static readonly Type[] PublicLayers = typeof(Layer).Assembly.GetExportedTypes()
        .Where(t => t.IsSubclassOf(typeof(Layer)) && !t.IsAbstract && !t.IsSubclassOf(typeof(Model)) && t != typeof(Model))
        .ToArray();

    [Fact]
    public void EveryPublicLayerSavesThroughTheRegistry()
    {
        // Input is a model's placeholder, saved as the model's input spec rather than as a layer.
        var missing = PublicLayers.Where(t => t != typeof(Input) && !LayerRegistry.ClassNames.Contains(t.Name)).Select(t => t.Name).ToList();
        Assert.True(missing.Count == 0, "Not in LayerRegistry: " + string.Join(", ", missing));
    }

    /// Normalization layers the lab does not compare, and why.
    static readonly Dictionary<Type, string> NotInTheLab = new()
    {
        [typeof(NormLab.Layers.Normalization)] = "preprocessing (fixed statistics of the data), not a layer between hidden layers",
        [typeof(GhostBatchNormalization)] = "needs every training batch to be a multiple of its virtual batch size",
        [typeof(LocalResponseNormalization)] = "AlexNet-era cross-channel normalization without learned parameters; not among the seeds' questions",
        [typeof(TLU)] = "FRN's activation, inside the frn entry",
        [typeof(LayerScale)] = "a residual-branch scale, not a normalization; part of the transformer blocks",
    };

    [Fact]
    public void EveryNormalizationIsInTheLabCatalogOrExcludedWithAReason()
    {
        var normalizations = PublicLayers.Where(t => t.Namespace == "NormLab.Layers"
            && (t.Name.Contains("Norm") || t.Name is "DynamicTanh" or "EvoNormB0" or "EvoNormS0" or "TLU" or "LayerScale" or "WeightStandardization"));
        var site = new NormSite(4, 16, "probe");
        var covered = NormalizationCatalog.Entries
            .Select(e => e.Wrap != null ? e.Wrap(new Conv2D(16, 3), site) : e.Create(site))
            .Where(layer => layer != null).Select(layer => layer!.GetType()).ToHashSet();
        var missing = normalizations.Where(t => !covered.Contains(t) && !NotInTheLab.ContainsKey(t)).Select(t => t.Name).ToList();
        Assert.True(missing.Count == 0, "Not in the lab's NormalizationCatalog (add an entry, or an exclusion with its reason): " + string.Join(", ", missing));
        Assert.DoesNotContain(NotInTheLab.Keys, covered.Contains);
    }
}

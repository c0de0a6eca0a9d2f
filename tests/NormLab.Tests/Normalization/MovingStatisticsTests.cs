using NormLab.Layers;
using Xunit;
using NormalizationLayer = NormLab.Layers.Normalization;

namespace NormLab.Tests.Normalization;

/// <summary>
/// One rule for every layer that keeps moving statistics (BatchNormalization's): a training batch with a
/// NaN or an infinity throws a clear error naming the layer, and leaves every weight, the moving statistics
/// included, as it was, so inference on clean data stays finite. The sweep runs over the shared catalog of
/// normalization layers and picks those with moving statistics itself, so a new one cannot be left out.
/// </summary>
public class MovingStatisticsTests
{
    private static readonly string[] WithMovingStatistics =
        ["bn", "bn_renorm", "ghost", "mean_only", "switchable", "batch_instance", "evonorm_b0", "instance_tracked"];

    [Fact]
    public void EveryLayerWithMovingStatisticsIsInTheSweep()
    {
        var found = EmptyInputTests.Kinds.Where(kind => HasMovingStatistics(Trained(kind))).ToList();
        Assert.Equal(WithMovingStatistics.Order(), found.Order());
    }

    public static TheoryData<string, float> PoisonedBatches()
    {
        var data = new TheoryData<string, float>();
        foreach (var kind in EmptyInputTests.Kinds)
            foreach (float poison in new[] { float.NaN, float.PositiveInfinity })
                data.Add(kind, poison);
        return data;
    }

    [Theory]
    [MemberData(nameof(PoisonedBatches))]
    public void OneNonFiniteTrainingBatchLeavesTheMovingStatisticsUnchanged(string kind, float poison)
    {
        var layer = Trained(kind);
        if (!HasMovingStatistics(layer)) return;
        var before = layer.Weights.Select(w => w.ToArray()).ToList();

        var bad = GradCheck.Uniform(3, -1, 1, 4, 3, 3, 4);
        bad.Data[17] = poison;
        var ex = Assert.Throws<InvalidOperationException>(() => layer.Call(bad, training: true));
        Assert.Contains(layer.Name, ex.Message);
        Assert.Contains("not finite", ex.Message);

        for (int i = 0; i < before.Count; i++) Assert.Equal(before[i], layer.Weights[i].ToArray());
        var clean = layer.Call(GradCheck.Uniform(4, -1, 1, 4, 3, 3, 4), training: false);
        Assert.All(clean.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void WeightNormalizationRefusesToInitializeFromAnEmptyOrNonFiniteBatch()
    {
        foreach (var x in new[] { Tensor.Zeros(0, 3), Tensor.FromArray([1f, float.NaN, 2f, 3f, 4f, 5f], [2, 3]) })
        {
            var layer = new WeightNormalization(new Dense(2));
            layer.Build([2, 3]);
            var before = layer.Weights.Select(w => w.ToArray()).ToList();
            var ex = Assert.Throws<InvalidOperationException>(() => layer.Call(x, training: true));
            Assert.Contains(layer.Name, ex.Message);
            for (int i = 0; i < before.Count; i++) Assert.Equal(before[i], layer.Weights[i].ToArray());
            Assert.All(layer.Weights.SelectMany(w => w.ToArray()), v => Assert.True(float.IsFinite(v)));
        }
    }

    /// <summary>A layer built and trained on one clean batch, so its moving statistics hold real values.</summary>
    private static Layer Trained(string kind)
    {
        var layer = EmptyInputTests.Make(kind);
        var clean = GradCheck.Uniform(1, -1, 1, 4, 3, 3, 4);
        if (layer is NormalizationLayer adapted) adapted.Adapt(clean);
        layer.Call(clean, training: true);
        return layer;
    }

    private static bool HasMovingStatistics(Layer layer) => layer.NonTrainableWeights.Any(w => w.Name?.Contains("moving") == true);
}

using NormLab.Layers;
using Xunit;
using NormalizationLayer = NormLab.Layers.Normalization;

namespace NormLab.Tests.Normalization;

/// <summary>
/// Empty tensors and zero-sized axes through every normalization layer: an empty batch (or spatial axis)
/// gives an empty output and an empty gradient; training with batch statistics on it throws, leaving the
/// moving statistics as they were (they used to become NaN silently); a channel or normalized axis of size 0
/// is rejected when the layer is built. A random sweep of shapes, axes, NaN inputs and repeated calls checks
/// that nothing else escapes a layer but its own named ArgumentException or InvalidOperationException.
/// </summary>
public class EmptyInputTests
{
    /// <summary>Every normalization layer (the catalog the normalization sweeps share), with whether it trains on batch statistics.</summary>
    internal static readonly string[] Kinds =
    [
        "bn", "bn_renorm", "ghost", "mean_only", "switchable", "batch_instance", "evonorm_b0",
        "ln", "rms", "unit", "gn", "instance", "instance_tracked", "frn", "evonorm_s0", "normalization", "lrn",
    ];

    public static TheoryData<string> Layers => new(Kinds);

    private static readonly HashSet<string> BatchStatistics = ["bn", "bn_renorm", "ghost", "mean_only", "switchable", "batch_instance", "evonorm_b0", "instance_tracked"];

    internal static Layer Make(string kind, int axis = -1) => kind switch
    {
        "bn" => new BatchNormalization(axis: axis),
        "bn_renorm" => new BatchNormalization(axis: axis, renorm: true),
        "ghost" => new GhostBatchNormalization(2, axis: axis),
        "mean_only" => new MeanOnlyBatchNormalization(axis: axis),
        "switchable" => new SwitchableNormalization(axis: axis),
        "batch_instance" => new BatchInstanceNormalization(axis: axis),
        "evonorm_b0" => new EvoNormB0(),
        "ln" => new LayerNormalization(axis: axis),
        "rms" => new RMSNormalization(axis: axis),
        "unit" => new UnitNormalization(axis: axis),
        "gn" => new GroupNormalization(groups: 2, axis: axis),
        "instance" => new InstanceNormalization(axis: axis),
        "instance_tracked" => new InstanceNormalization(axis: axis, trackRunningStats: true),
        "frn" => new FilterResponseNormalization(),
        "evonorm_s0" => new EvoNormS0(groups: 2),
        "normalization" => new NormalizationLayer(axis: axis),
        "lrn" => new LocalResponseNormalization(),
        _ => throw new ArgumentException(kind),
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public void EmptyBatchGivesEmptyOutputOrRefusesToTrain(string kind)
    {
        // Built on real data first, as in a model whose last batch comes out empty.
        var layer = Make(kind);
        var full = GradCheck.Uniform(1, -1, 1, 4, 3, 3, 4);
        if (layer is NormalizationLayer adapted) adapted.Adapt(full);
        layer.Call(full, training: false);
        var before = layer.Weights.Select(w => w.ToArray()).ToList();

        foreach (bool training in new[] { false, true })
        {
            var empty = Tensor.Zeros(0, 3, 3, 4);
            empty.RequiresGrad = true;
            if (training && BatchStatistics.Contains(kind))
            {
                var ex = Assert.Throws<InvalidOperationException>(() => layer.Call(empty, training: true));
                Assert.Contains(layer.Name, ex.Message);
                Assert.Contains("empty batch", ex.Message);
                continue;
            }
            var y = layer.Call(empty, training);
            Assert.Equal([0, 3, 3, 4], y.Shape);
            y.Backward(Tensor.Zeros(0, 3, 3, 4));
            Assert.Equal([0, 3, 3, 4], empty.Grad!.Shape);
        }
        // Nothing was learned from nothing: every weight, moving statistics included, is unchanged.
        for (int i = 0; i < before.Count; i++) Assert.Equal(before[i], layer.Weights[i].ToArray());
    }

    public static TheoryData<string, int[], int> ZeroSizedAxes => new()
    {
        { "bn", [4, 0], -1 },
        { "ghost", [4, 3, 0], -1 },
        { "mean_only", [4, 0], 1 },
        { "switchable", [2, 0, 3], 1 },
        { "batch_instance", [2, 3, 0], -1 },
        { "evonorm_b0", [2, 3, 0], -1 },
        { "ln", [2, 0], -1 },
        { "rms", [2, 3, 0], -1 },
        { "gn", [2, 3, 0], -1 },
        { "instance", [2, 3, 0], -1 },
        { "frn", [2, 3, 0], -1 },
        { "evonorm_s0", [2, 3, 0], -1 },
    };

    [Theory]
    [MemberData(nameof(ZeroSizedAxes))]
    public void ZeroSizedNormalizedAxisIsRejectedWhenBuilt(string kind, int[] shape, int axis)
    {
        var layer = Make(kind, axis);
        var ex = Assert.Throws<ArgumentException>(() => layer.Build(shape));
        Assert.Contains(layer.Name, ex.Message);
        Assert.Contains("has size 0", ex.Message);
        Assert.Contains(Shapes.Format(shape), ex.Message);
    }

    [Fact]
    public void NormalizationNamesItselfWhenAKeptAxisChanges()
    {
        var layer = new NormalizationLayer(axis: -1);
        layer.Adapt(GradCheck.Uniform(2, -1, 1, 5, 4));
        var ex = Assert.Throws<ArgumentException>(() => layer.Call(Tensor.Zeros(5, 3)));
        Assert.Contains(layer.Name, ex.Message);
        Assert.Contains("(5, 3)", ex.Message);
    }

    [Fact]
    public void RandomShapesRaiseOnlyNamedErrors()
    {
        // Random ranks (1-5), sizes (0 included), axes (out of range included), NaN values, training or not,
        // Adapt or not, a backward, then a second call on a shape with one axis changed. The layers may refuse,
        // with their own exception naming them, but nothing may escape from a kernel (IndexOutOfRange,
        // DivideByZero, TensorPrimitives' ArgumentException). Before this test: 23 distinct escapes in 30,000 cases.
        var rng = new Random(1);
        for (int it = 0; it < 3000; it++)
        {
            string kind = Kinds[rng.Next(Kinds.Length)];
            int rank = rng.Next(1, 6);
            var shape = Enumerable.Range(0, rank).Select(_ => rng.Next(4) == 0 ? rng.Next(0, 2) : rng.Next(1, 6)).ToArray();
            int axis = rng.Next(-rank - 1, rank + 1);
            Layer layer;
            try { layer = Make(kind, axis); }
            catch (ArgumentException) { continue; }
            var data = Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => rng.Next(10) == 0 ? float.NaN : (float)rng.NextDouble()).ToArray();
            var x = Tensor.FromArray(data, shape);
            bool training = rng.Next(2) == 0;
            string what = $"{kind}, shape {Shapes.Format(shape)}, axis {axis}, training {training} (case {it})";
            bool adapt = rng.Next(2) == 0;
            x.RequiresGrad = rng.Next(2) == 0;
            LayerFuzz.OnlyNamedErrors(layer, x, training, rng, what, () => { if (adapt && layer is NormalizationLayer adapted) adapted.Adapt(x); });
        }
    }
}

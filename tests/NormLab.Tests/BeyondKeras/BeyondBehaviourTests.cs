using NormLab.Layers;
using NormLab.Tests.Normalization;
using Xunit;

namespace NormLab.Tests.BeyondKeras;

/// <summary>Gradient checks, documented behaviour, errors and save/load of the beyond-Keras layers (part A).</summary>
public class BeyondBehaviourTests
{
    private static Tensor Rand(int seed, params int[] shape)
    {
        var r = new Random(seed);
        return Tensor.FromArray(Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => (float)(r.NextDouble() * 4 - 2)).ToArray(), shape);
    }

    private static void RandomizeWeights(Layer layer, int seed)
    {
        var r = new Random(seed);
        foreach (var w in layer.TrainableWeights)
            for (int i = 0; i < w.Size; i++) w.Data[i] = (float)(0.5 + r.NextDouble());
    }

    private static string[] WeightNames(Layer layer) => layer.Weights.Select(w => w.Name!.Split('/')[^1]).ToArray();

    // ------------------------------------------------------------------ gradient checks

    public static TheoryData<string> GradLayers => new()
    {
        "in_train", "in_axis1_train", "in_running_infer", "gbn_train", "gbn_infer", "frn", "frn_learned", "frn_rank2",
        "tlu", "evob0_train", "evob0_infer", "evos0", "evos0_rank2", "lrn", "lrn_rank2", "ws",
    };

    private static (Layer layer, Tensor x, bool training) GradCase(string name) => name switch
    {
        "in_train" => (new InstanceNormalization(), Rand(1, 2, 3, 4, 3), true),
        "in_axis1_train" => (new InstanceNormalization(axis: 1), Rand(2, 2, 3, 5), true),
        "in_running_infer" => (new InstanceNormalization(trackRunningStats: true), Rand(3, 2, 5, 3), false),
        "gbn_train" => (new GhostBatchNormalization(2), Rand(4, 6, 3, 4), true),
        "gbn_infer" => (new GhostBatchNormalization(2), Rand(5, 5, 4), false),
        "frn" => (new FilterResponseNormalization(), Rand(6, 2, 3, 3, 4), true),
        "frn_learned" => (new FilterResponseNormalization(learnedEpsilon: true, useTlu: false), Rand(7, 2, 4, 3), true),
        "frn_rank2" => (new FilterResponseNormalization(learnedEpsilon: true), Rand(8, 4, 3), true),
        "tlu" => (new TLU(), Rand(9, 3, 5), true),
        "evob0_train" => (new EvoNormB0(), Rand(10, 3, 4, 3), true),
        "evob0_infer" => (new EvoNormB0(), Rand(11, 2, 2, 3, 4), false),
        "evos0" => (new EvoNormS0(groups: 2), Rand(12, 2, 3, 3, 4), true),
        "evos0_rank2" => (new EvoNormS0(groups: 2), Rand(13, 3, 6), true),
        "lrn" => (new LocalResponseNormalization(depthRadius: 2, bias: 1, alpha: 0.5, beta: 0.75), Rand(14, 2, 3, 7), true),
        "lrn_rank2" => (new LocalResponseNormalization(), Rand(15, 3, 4), true),
        "ws" => (new WeightStandardization(new Conv2D(3, 3, padding: "same")), Rand(16, 2, 4, 4, 2), true),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(GradLayers))]
    public void GradientsMatchFiniteDifferences(string name)
    {
        var (layer, x, training) = GradCase(name);
        layer.Build(x.Shape);
        RandomizeWeights(layer, 42);
        var wrt = new List<Tensor> { x };
        wrt.AddRange(layer.TrainableWeights);
        GradCheck.Check(() => layer.Call(x, training), wrt);
    }

    // ------------------------------------------------------------------ documented behaviour

    [Fact]
    public void InstanceNormalizationWithoutRunningStatsIsTheSameInTrainingAndInference()
    {
        var layer = new InstanceNormalization();
        var x = Rand(20, 2, 5, 3);
        Assert.Equal(layer.Call(x, training: true).ToArray(), layer.Call(x, training: false).ToArray());
        Assert.Equal(new[] { "gamma", "beta" }, WeightNames(layer));
        // Each (sample, channel) has mean 0 and biased variance 1 (up to epsilon).
        var y = new InstanceNormalization(epsilon: 1e-6, center: false, scale: false).Call(x).ToArray();
        for (int n = 0; n < 2; n++)
            for (int c = 0; c < 3; c++)
            {
                var v = Enumerable.Range(0, 5).Select(i => (double)y[(n * 5 + i) * 3 + c]).ToArray();
                Assert.InRange(v.Average(), -1e-5, 1e-5);
                Assert.InRange(v.Select(z => z * z).Average(), 1 - 1e-3, 1 + 1e-3);
            }
    }

    [Fact]
    public void InstanceNormalizationChannelsFirstEqualsChannelsLast()
    {
        var x = Rand(21, 2, 3, 4, 5);
        var first = new InstanceNormalization(axis: 1).Call(x, training: true);
        var last = new InstanceNormalization().Call(Ops.Transpose(x, 0, 2, 3, 1), training: true);
        NormFixture.AssertClose(Ops.Transpose(first, 0, 2, 3, 1), last, "y");
    }

    [Fact]
    public void InstanceNormalizationRunningStatsWithMomentumZeroAreTheUnbiasedBatchAverage()
    {
        // PyTorch's test: momentum 1 (theirs) gives running_var = mean over the batch of the unbiased instance variances.
        var layer = new InstanceNormalization(trackRunningStats: true, momentum: 0);
        var x = Rand(22, 3, 4, 2);
        layer.Call(x, training: true);
        Assert.Equal(new[] { "gamma", "beta", "moving_mean", "moving_variance" }, WeightNames(layer));
        var d = x.ToArray();
        for (int c = 0; c < 2; c++)
        {
            double m = 0, v = 0;
            for (int n = 0; n < 3; n++)
            {
                var s = Enumerable.Range(0, 4).Select(i => (double)d[(n * 4 + i) * 2 + c]).ToArray();
                double mu = s.Average();
                m += mu / 3;
                v += s.Sum(z => (z - mu) * (z - mu)) / 3 / 3;
            }
            Assert.Equal(m, layer.MovingMean!.Data[c], 5);
            Assert.Equal(v, layer.MovingVariance!.Data[c], 5);
        }
        // Frozen: inference statistics even in training, no update.
        var before = layer.MovingMean!.ToArray();
        layer.Trainable = false;
        var a = layer.Call(Rand(23, 3, 4, 2), training: true).ToArray();
        Assert.Equal(before, layer.MovingMean.ToArray());
        Assert.Equal(layer.Call(Rand(23, 3, 4, 2), training: false).ToArray(), a);
    }

    [Fact]
    public void GhostBatchNormalizationWithOneGhostEqualsBatchNormalization()
    {
        var x = Rand(24, 8, 3, 4);
        var gbn = new GhostBatchNormalization(8, momentum: 0.9);
        var bn = new BatchNormalization(momentum: 0.9);
        for (int i = 0; i < 2; i++)
            NormFixture.AssertClose(bn.Call(x, training: true), gbn.Call(x, training: true), "y_train");
        NormFixture.AssertClose(bn.MovingMean!, gbn.MovingMean, "moving_mean");
        NormFixture.AssertClose(bn.MovingVariance!, gbn.MovingVariance, "moving_variance");
        Assert.Equal(new[] { "gamma", "beta", "moving_mean", "moving_variance" }, WeightNames(gbn));
        // Inference accepts any batch size.
        Assert.Equal(new[] { 3, 3, 4 }, gbn.Call(Rand(25, 3, 3, 4)).Shape);
    }

    [Fact]
    public void GhostBatchNormalizationNormalizesEachGhostSeparately()
    {
        var x = Rand(26, 4, 2);
        for (int i = 0; i < 2 * 2; i++) x.Data[i] += 100; // the first ghost batch has a very different mean
        var y = new GhostBatchNormalization(2, epsilon: 1e-6, center: false, scale: false).Call(x, training: true).ToArray();
        for (int g = 0; g < 2; g++)
            for (int c = 0; c < 2; c++)
                Assert.InRange(y[(g * 2) * 2 + c] + y[(g * 2 + 1) * 2 + c], -1e-4, 1e-4);
    }

    [Fact]
    public void EvoNormB0InferenceUsesTheMovingVarianceAndFrozenDoesNotUpdate()
    {
        var layer = new EvoNormB0();
        var x = Rand(27, 4, 3, 2);
        layer.Call(x, training: true);
        Assert.Equal(new[] { "gamma", "beta", "v", "moving_variance" }, WeightNames(layer));
        var mv = layer.MovingVariance!.ToArray();
        Assert.NotEqual(new[] { 1f, 1f }, mv);
        var infer = layer.Call(x).ToArray();
        layer.Trainable = false;
        Assert.Equal(infer, layer.Call(x, training: true).ToArray());
        Assert.Equal(mv, layer.MovingVariance.ToArray());
    }

    [Fact]
    public void EvoNormS0DecrementsGroupsUntilTheyDivideTheChannels()
    {
        var s0 = new EvoNormS0();
        s0.Build([2, 4, 4, 12]);
        Assert.Equal(12, s0.Groups);
        var s1 = new EvoNormS0(groups: 8);
        s1.Build([2, 4, 4, 20]);
        Assert.Equal(5, s1.Groups);
        Assert.Equal(new[] { "gamma", "beta", "v" }, WeightNames(s1));
        Assert.Equal(5, LayerRegistry.FromConfig(LayerRegistry.ToConfig(s1)) is EvoNormS0 r ? r.Groups : -1);
    }

    [Fact]
    public void FrnWeightOrderAndTluStartsAsRelu()
    {
        var frn = new FilterResponseNormalization(learnedEpsilon: true);
        frn.Build([2, 3, 3, 4]);
        Assert.Equal(new[] { "gamma", "beta", "tau", "epsilon_l" }, WeightNames(frn));
        var x = Rand(28, 3, 5);
        Assert.Equal(Ops.Relu(x).ToArray(), new TLU().Call(x).ToArray());
    }

    [Fact]
    public void LocalResponseNormalizationDoesNotDivideAlphaByTheWindow()
    {
        // One channel window of radius 1 over [1, 2, 3]: the middle value is 2 / (1 + 1 * 14)^0.5.
        var y = new LocalResponseNormalization(depthRadius: 1, bias: 1, alpha: 1, beta: 0.5).Call(Tensor.FromArray([1f, 2f, 3f], 1, 3)).ToArray();
        Assert.Equal(2 / Math.Sqrt(15), y[1], 5);
        Assert.Equal(1 / Math.Sqrt(6), y[0], 5);
    }

    [Fact]
    public void WeightStandardizationStandardizesEachFilterAndKeepsTheRawKernel()
    {
        var ws = new WeightStandardization(new Conv2D(4, 3));
        ws.Build([1, 5, 5, 2]);
        Assert.Equal(new[] { "kernel", "bias" }, WeightNames(ws));
        var k = ws.StandardizedKernel().ToArray();
        for (int o = 0; o < 4; o++)
        {
            var col = Enumerable.Range(0, 18).Select(i => (double)k[i * 4 + o]).ToArray();
            double m = col.Average();
            Assert.InRange(m, -1e-5, 1e-5);
            Assert.InRange(Math.Sqrt(col.Sum(z => (z - m) * (z - m)) / 17), 0.999, 1.0);
        }
        Assert.NotEqual(k, ws.Layer.Kernel!.ToArray());
    }

    // ------------------------------------------------------------------ errors

    [Fact]
    public void ErrorsNameTheLayerTheArgumentAndTheValue()
    {
        void Throws<T>(Action a, params string[] parts) where T : Exception
        {
            var e = Assert.Throws<T>(a);
            foreach (var p in parts) Assert.Contains(p, e.Message);
        }
        Throws<ArgumentException>(() => new InstanceNormalization(name: "inx").Build([4, 3]), "InstanceNormalization 'inx'", "rank >= 3", "(4, 3)");
        Throws<ArgumentException>(() => new InstanceNormalization(momentum: 2), "momentum=2");
        Throws<ArgumentException>(() => new InstanceNormalization(epsilon: 0), "epsilon=0");
        Throws<InvalidOperationException>(() => new InstanceNormalization().Call(Rand(1, 2, 1, 3), training: true), "more than 1 spatial element");
        // With running statistics a spatial size of 1 is fine at inference (as PyTorch).
        new InstanceNormalization(trackRunningStats: true).Call(Rand(1, 2, 1, 3));
        Throws<ArgumentException>(() => new GhostBatchNormalization(0), "virtualBatchSize=0");
        Throws<InvalidOperationException>(() => new GhostBatchNormalization(4, name: "gx").Call(Rand(1, 6, 3), training: true), "GhostBatchNormalization 'gx'", "(6)", "(4)");
        Throws<InvalidOperationException>(() => new GhostBatchNormalization(1).Call(Rand(1, 2, 3), training: true), "one value per channel");
        Throws<ArgumentException>(() => new FilterResponseNormalization().Build([2, 3, 3, 3, 4]), "rank 2, 3 or 4");
        Throws<ArgumentException>(() => new FilterResponseNormalization(epsilon: -1), "epsilon=-1");
        Throws<ArgumentException>(() => new FilterResponseNormalization(epsilon: 0), "learnedEpsilon");
        Throws<ArgumentException>(() => new EvoNormB0().Build([2, 4]), "rank >= 3");
        Throws<ArgumentException>(() => new EvoNormB0().Build([2, 1, 1, 4]), "spatial size is 1");
        Throws<ArgumentException>(() => new EvoNormS0(groups: 0), "groups=0");
        Throws<ArgumentException>(() => new EvoNormS0(groups: 4).Build([2, 4]), "single value", "groups=4");
        Throws<ArgumentException>(() => new LocalResponseNormalization(depthRadius: -1), "depthRadius=-1");
        Throws<ArgumentException>(() => new LocalResponseNormalization(bias: 0), "bias=0");
        Throws<ArgumentException>(() => new WeightStandardization(new Conv2D(2, 1)).Build([1, 3, 3, 1]), "one value per filter");
    }

    [Fact]
    public void CalledAgainOnTheWrongChannelCountThrows()
    {
        var layer = new InstanceNormalization(name: "inz");
        layer.Call(Rand(1, 2, 3, 4));
        var e = Assert.Throws<ArgumentException>(() => layer.Call(Rand(1, 2, 3, 5)));
        Assert.Contains("inz", e.Message);
    }

    // ------------------------------------------------------------------ save and load

    [Fact]
    public void SaveAndLoadKeepsOutputsAndState()
    {
        var model = new Sequential([
            new WeightStandardization(new Conv2D(6, 3, padding: "same")),
            new InstanceNormalization(trackRunningStats: true, momentum: 0.5),
            new GhostBatchNormalization(2, momentum: 0.5),
            new FilterResponseNormalization(learnedEpsilon: true, useTlu: false),
            new TLU(),
            new EvoNormB0(momentum: 0.5),
            new EvoNormS0(groups: 4),
            new LocalResponseNormalization(depthRadius: 2, alpha: 0.1, beta: 0.75),
        ]);
        var x = Rand(30, 4, 5, 5, 2);
        for (int i = 0; i < 3; i++) model.Call(x, training: true);
        foreach (var w in model.TrainableWeights) for (int i = 0; i < w.Size; i++) w.Data[i] += 0.01f * (i % 7);
        var expected = model.Call(x).ToArray();
        var path = Path.Combine(Path.GetTempPath(), $"normlab_beyond_a_{Guid.NewGuid():N}.normlab");
        try
        {
            model.Save(path);
            var loaded = Model.Load(path);
            Assert.Equal(expected, loaded.Call(x).ToArray());
            var w0 = model.GetWeights(); var w1 = loaded.GetWeights();
            Assert.Equal(w0.Length, w1.Length);
            for (int i = 0; i < w0.Length; i++) Assert.Equal(w0[i].ToArray(), w1[i].ToArray());
        }
        finally { if (File.Exists(path)) File.Delete(path); }
    }

    public static TheoryData<string> ConfigLayers => new() { "in", "gbn", "frn", "tlu", "b0", "s0", "lrn", "ws" };

    [Theory]
    [MemberData(nameof(ConfigLayers))]
    public void ConfigRoundTripKeepsTheArguments(string which)
    {
        Layer layer = which switch
        {
            "in" => new InstanceNormalization(axis: 1, epsilon: 1e-5, center: false, trackRunningStats: true, momentum: 0.9),
            "gbn" => new GhostBatchNormalization(16, axis: 1, momentum: 0.9, epsilon: 1e-5, scale: false),
            "frn" => new FilterResponseNormalization(epsilon: 1e-5, learnedEpsilon: true, useTlu: false),
            "tlu" => new TLU(),
            "b0" => new EvoNormB0(momentum: 0.8, epsilon: 1e-3, initZero: true),
            "s0" => new EvoNormS0(groups: 8, epsilon: 1e-3, initZero: true),
            "lrn" => new LocalResponseNormalization(2, 2, 1e-4, 0.75),
            "ws" => new WeightStandardization(new Conv2D(4, 3, padding: "same"), epsilon: 1e-4),
            _ => throw new ArgumentException(which),
        };
        var config = LayerRegistry.ToConfig(layer);
        var rebuilt = LayerRegistry.FromConfig(config);
        Assert.Equal(layer.GetType(), rebuilt.GetType());
        Assert.Equal(config.ToJsonString(), LayerRegistry.ToConfig(rebuilt).ToJsonString());
    }
}

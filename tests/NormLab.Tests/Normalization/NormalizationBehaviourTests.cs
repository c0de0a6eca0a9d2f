using NormLab.Layers;
using Xunit;
using NormalizationLayer = NormLab.Layers.Normalization;

namespace NormLab.Tests.Normalization;

/// <summary>Gradient checks, the large-mean case, bad input, every specified error, and save/load.</summary>
public class NormalizationBehaviourTests
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

    // ------------------------------------------------------------------ gradient checks

    public static TheoryData<string> GradLayers => new()
    {
        "bn_train", "bn_axis1_train", "bn_infer", "bn_renorm", "ln", "ln_axes_13", "ln_rms_scaling",
        "gn4", "gn_instance", "rms", "unit", "normalization", "spectral",
    };

    private static (Layer layer, Tensor x, bool training) GradCase(string name) => name switch
    {
        "bn_train" => (new BatchNormalization(), Rand(1, 6, 3, 4), true),
        "bn_axis1_train" => (new BatchNormalization(axis: 1), Rand(2, 4, 3, 5), true),
        "bn_infer" => (new BatchNormalization(), Rand(3, 6, 4), false),
        // r and d carry no gradient (and move with the renorm statistics on every call), so finite
        // differences only agree when clipping pins them (r = 1, d = 0); the fixtures check real r, d.
        "bn_renorm" => (new BatchNormalization(renorm: true, renormClipping: new Dictionary<string, double> { ["rmax"] = 1, ["rmin"] = 1, ["dmax"] = 0 }), Rand(4, 8, 3), true),
        "ln" => (new LayerNormalization(), Rand(5, 3, 4, 6), true),
        "ln_axes_13" => (new LayerNormalization(axis: new[] { 1, 3 }), Rand(6, 2, 3, 2, 4), true),
        "ln_rms_scaling" => (new LayerNormalization(rmsScaling: true), Rand(7, 3, 8), true),
        "gn4" => (new GroupNormalization(groups: 4), Rand(8, 2, 3, 8), true),
        "gn_instance" => (new GroupNormalization(groups: -1, axis: 1), Rand(9, 2, 3, 5), true),
        "rms" => (new RMSNormalization(), Rand(10, 3, 8), true),
        "unit" => (new UnitNormalization(axis: new[] { 1, 2 }), Rand(11, 2, 3, 4), true),
        "normalization" => (new NormalizationLayer(mean: Tensor.Scalar(0.5f), variance: Tensor.Scalar(2f)), Rand(12, 3, 4), true),
        "spectral" => (new SpectralNormalization(new Dense(3)), Rand(13, 4, 5), false),
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

    // ------------------------------------------------------------------ stability and bad input

    [Fact]
    public void BatchNormalizationHandlesLargeMean()
    {
        var r = new Random(3);
        var x = Tensor.FromArray(Enumerable.Range(0, 512 * 4).Select(_ => (float)(1e6 + (r.NextDouble() * 2 - 1) * Math.Sqrt(3))).ToArray(), 512, 4);
        var y = new BatchNormalization(epsilon: 1e-6).Call(x, training: true).ToArray();
        for (int c = 0; c < 4; c++)
        {
            var col = Enumerable.Range(0, 512).Select(i => (double)y[i * 4 + c]).ToArray();
            Assert.InRange(col.Average(), -1e-4, 1e-4);
            Assert.InRange(col.Select(v => v * v).Average(), 1 - 1e-3, 1 + 1e-3);
        }
        var yl = new LayerNormalization(epsilon: 1e-6).Call(Ops.Transpose(x, 1, 0)).ToArray();
        Assert.InRange(yl.Take(512).Average(v => (double)v), -1e-4, 1e-4);
    }

    [Fact]
    public void TrainingOnOneValuePerChannelGivesBetaAndMovesTheStatisticsAsKeras()
    {
        // Keras: the batch variance of a single sample is 0, so the output is beta and the moving
        // variance decays towards 0 (PyTorch would raise).
        var bn = new BatchNormalization(momentum: 0.9, betaInitializer: new NormLab.Initializers.Constant(0.25));
        var x = Tensor.FromArray([1f, -2f, 3f, 4f, 5f], 1, 5);
        x.RequiresGrad = true;
        var y = bn.Call(x, training: true);
        Assert.All(y.ToArray(), v => Assert.Equal(0.25f, v));
        for (int c = 0; c < 5; c++)
        {
            Assert.Equal(0.1 * x.ToArray()[c], bn.MovingMean!.Data[c], 1e-6);
            Assert.Equal(0.9, bn.MovingVariance!.Data[c], 1e-6);
        }
        y.Sum().Backward();
        Assert.All(x.Grad!.ToArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void NonFiniteBatchLeavesMovingStatisticsUntouched()
    {
        var bn = new BatchNormalization(renorm: true);
        var x = Rand(1, 8, 3);
        bn.Call(x, training: true);
        var before = bn.GetWeights().Select(w => w.ToArray()).ToList();
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity })
        {
            var poisoned = x.Detach(); poisoned.Data[4] = bad; // channel 1
            var ex = Assert.Throws<InvalidOperationException>(() => bn.Call(poisoned, training: true));
            Assert.Contains("[1]", ex.Message);
            Assert.Equal(before, bn.GetWeights().Select(w => w.ToArray()).ToList());
            // Inference just propagates the bad value to the outputs of that channel.
            var y = bn.Call(poisoned, training: false).ToArray();
            Assert.False(float.IsFinite(y[4]));
            Assert.True(float.IsFinite(y[3]));
        }
    }

    [Fact]
    public void DefaultWeightOrderAndProperties()
    {
        var bn = new BatchNormalization();
        bn.Build([2, 3]);
        Assert.Equal(new[] { "gamma", "beta", "moving_mean", "moving_variance" }, bn.Weights.Select(w => w.Name!.Split('/')[1]));
        Assert.Equal(2, bn.TrainableWeights.Count);
        var plain = new BatchNormalization(center: false, scale: false);
        plain.Build([2, 3]);
        Assert.Null(plain.Gamma); Assert.Null(plain.Beta);
        Assert.Equal(2, plain.GetWeights().Length);
        var ex = Assert.Throws<ArgumentException>(() => bn.SetWeights([Tensor.Ones(3)]));
        Assert.Contains("with a weight list of length 1, but the layer was expecting 4 weights", ex.Message);
    }

    // ------------------------------------------------------------------ specified errors

    private static void Throws<TEx>(Action a, params string[] fragments) where TEx : Exception
    {
        var ex = Assert.Throws<TEx>(a);
        foreach (var f in fragments) Assert.Contains(f, ex.Message);
    }

    [Fact]
    public void BatchNormalizationErrors()
    {
        Throws<ArgumentException>(() => new BatchNormalization(name: "bnx", renorm: true, renormClipping: new Dictionary<string, double> { ["rmaxx"] = 1 }),
            "bnx", "Received invalid keys for `renorm_clipping` argument", "'rmaxx': 1", "Supported values: ['rmax', 'rmin', 'dmax']");
        Throws<ArgumentException>(() => new BatchNormalization(renorm: true, renormClipping: new Dictionary<string, double> { ["rmax"] = 1, ["rmin"] = 2 }),
            "rmax should be greater than rmin in the `renorm_clipping` argument. Received: rmax=1, rmin=2.");
        Throws<ArgumentException>(() => new BatchNormalization(renorm: true, renormClipping: new Dictionary<string, double> { ["dmax"] = -1 }),
            "dmax should be non-negative in the `renorm_clipping` argument. Received: dmax=-1.");
        _ = new BatchNormalization(renormClipping: new Dictionary<string, double> { ["bogus"] = 1 }); // only checked with renorm
        Throws<ArgumentException>(() => new BatchNormalization(axis: 3).Build([2, 3]), "Axis 3 is out of bounds for input shape (2, 3). Received: axis=3");
        var bn = new BatchNormalization(name: "bn_spec");
        bn.Call(Tensor.Ones(2, 3));
        Throws<ArgumentException>(() => bn.Call(Tensor.Ones(2, 3, 1)), "Input 0 of layer 'bn_spec' is incompatible with the layer: expected ndim=2, found ndim=3");
        Throws<ArgumentException>(() => bn.Call(Tensor.Ones(2, 4)), "expected axis 1 of input shape to have value 3, but received input with shape (2, 4)");
        _ = new BatchNormalization(synchronized: true).Call(Rand(1, 4, 2), training: true); // accepted, local statistics
    }

    [Fact]
    public void LayerNormalizationErrors()
    {
        Throws<ArgumentException>(() => new LayerNormalization(axis: 2).Build([2, 3]), "axis 2 is out of bounds for an array with dimension 2.");
        Throws<ArgumentException>(() => new LayerNormalization(axis: new[] { -1, 1 }).Build([2, 3]), "Duplicate axes are not allowed. Received: axis=[-1, 1]");
        Throws<ArgumentException>(() => new LayerNormalization(axis: Axes.None), "Expected an int or a list/tuple of ints for the argument 'axis'");
        var ln = new LayerNormalization(axis: -1);
        ln.Build([2, 3]);
        Assert.Equal(new[] { 1 }, ln.Axis); // canonicalized and sorted after build
        var rms = new LayerNormalization(rmsScaling: true);
        rms.Build([2, 3]);
        Assert.Single(rms.GetWeights());
    }

    [Fact]
    public void GroupNormalizationErrors()
    {
        foreach (int g in new[] { 0, -2 })
            Throws<ArgumentException>(() => new GroupNormalization(groups: g), $"Received an invalid value for argument `groups`, expected a positive integer (or `-1` for instance normalization). Received: groups={g}");
        Throws<ArgumentException>(() => new GroupNormalization(groups: 8).Build([2, 4]), "Number of groups (8) cannot be more than the number of channels (4).");
        Throws<ArgumentException>(() => new GroupNormalization(groups: 3).Build([2, 4]), "Number of groups (3) must be a multiple of the number of channels (4).");
        Throws<ArgumentException>(() => new GroupNormalization(groups: 1, axis: 5).Build([2, 4]), "Axis 5 is out of bounds for input shape (2, 4). Received: axis=5");
        var gn = new GroupNormalization(groups: -1);
        gn.Build([2, 3, 6]);
        Assert.Equal(6, gn.Groups);
        Assert.Equal(6, gn.GetConfig()["groups"]!.GetValue<int>());
        // Rank-2 input with one group per channel: every group has one element, so the output is beta.
        Assert.All(new GroupNormalization(groups: -1).Call(Rand(1, 2, 4)).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void NormalizationErrors()
    {
        Throws<ArgumentException>(() => new NormalizationLayer(mean: Tensor.Scalar(1)), "When setting values directly, both `mean` and `variance` must be set. Received: mean=1 and variance=None");
        Throws<ArgumentException>(() => new NormalizationLayer(mean: Tensor.Ones(3), variance: Tensor.Ones(2)), "`mean` and `variance` must have the same shape. Received: mean shape (3,) and variance shape (2,)");
        Throws<ArgumentException>(() => new NormalizationLayer(axis: -1, mean: Tensor.Ones(2, 3), variance: Tensor.Ones(2, 3)), "The rank of `mean` must be less than or equal to the number of axes (1). Received: mean shape (2, 3) for axis -1");
        Throws<ArgumentException>(() => new NormalizationLayer(axis: 4).Build([2, 3]), "All `axis` values must be in the range [-ndim, ndim). Received inputs with ndim=2, while axis=4");
        var layer = new NormalizationLayer();
        layer.Adapt(Rand(1, 5, 3));
        Throws<ArgumentException>(() => layer.Adapt(Rand(1, 5, 4)), "The layer was built with input_shape=(5, 3), but adapt() is being called with data with an incompatible shape, data.shape=(5, 4)");
        Throws<ArgumentException>(() => new NormalizationLayer().Adapt(Array.Empty<Tensor>()), "adapt() received an empty iterable (no batches).");
        Throws<ArgumentException>(() => new NormalizationLayer().Adapt(new[] { Rand(1, 5, 3), Rand(2, 5, 2) }), "adapt() yielded a batch with incompatible shape. Expected (5, 3), got (5, 2).");
        Throws<InvalidOperationException>(() => new NormalizationLayer(mean: Tensor.Scalar(0), variance: Tensor.Scalar(1)).Adapt(Rand(1, 2, 2)), "explicit");
        // An un-adapted layer is the identity (up to the 1e-7 floor), and the count weight is kept.
        var fresh = new NormalizationLayer();
        var x = Rand(3, 2, 3);
        Assert.Equal(x.ToArray(), fresh.Call(x).ToArray());
        Assert.Equal(3, fresh.GetWeights().Length);
    }

    [Fact]
    public void UnitAndSpectralErrors()
    {
        Throws<ArgumentException>(() => new UnitNormalization(axis: Axes.None), "Invalid value for `axis` argument: expected an int or a list/tuple of ints. Received: axis=None");
        Throws<ArgumentException>(() => new UnitNormalization(axis: 3).Call(Tensor.Ones(2, 3)), "Axis 3 is out of bounds for input shape (2, 3).");
        Throws<ArgumentException>(() => new SpectralNormalization(null!), "supplied to Wrapper isn't a supported layer type");
        Throws<ArgumentException>(() => new SpectralNormalization(new Dense(2), powerIterations: 0), "`power_iterations` should be greater than zero. Received: `power_iterations=0`");
        Throws<ArgumentException>(() => new SpectralNormalization(new Dropout(0.5)).Build([2, 3]), "Dropout object has no attribute 'kernel' nor 'embeddings'");
        var sn = new SpectralNormalization(new Dense(3));
        sn.Build([2, 4]);
        Assert.Equal(2, sn.TrainableWeights.Count);
        Assert.Single(sn.NonTrainableWeights);
        // Keras's order for the wrapper: [kernel, vector_u, bias].
        Assert.Equal(new[] { "kernel", "vector_u", "bias" }, sn.Weights.Select(w => w.Name!.Split('/')[^1]));
        // An all-zero kernel is left alone.
        Array.Clear(((Dense)sn.Layer).Kernel!.Data);
        sn.Call(Tensor.Ones(2, 4), training: true);
        Assert.All(((Dense)sn.Layer).Kernel!.ToArray(), v => Assert.Equal(0f, v));
    }

    // ------------------------------------------------------------------ save and load

    [Fact]
    public void SaveAndLoadKeepsOutputsAndMovingStatistics()
    {
        var model = new Sequential([
            new Dense(8, inputShape: [6]),
            new BatchNormalization(renorm: true, renormClipping: new Dictionary<string, double> { ["rmax"] = 2 }),
            new LayerNormalization(),
            new GroupNormalization(groups: 4),
            new RMSNormalization(),
            new UnitNormalization(),
            new BatchNormalization(center: false),
            new SpectralNormalization(new Dense(4)),
        ]);
        var adapted = new NormalizationLayer();
        adapted.Adapt(Rand(9, 20, 4));
        model.Add(adapted);
        model.Add(new NormalizationLayer(mean: Tensor.FromArray([1f, 2f, 3f, 4f], 4), variance: Tensor.FromArray([3f, 4f, 5f, 6f], 4), invert: true));
        var x = Rand(5, 10, 6);
        for (int i = 0; i < 3; i++) model.Call(x, training: true); // moving statistics and the spectral kernel move
        var expected = model.Call(x).ToArray();
        var path = Path.Combine(Path.GetTempPath(), $"normlab_norm_{Guid.NewGuid():N}.normlab");
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
}

using NormLab.Constraints;
using NormLab.Layers;
using NormLab.Optimizers;
using NormLab.Tests.Normalization;
using Xunit;

namespace NormLab.Tests.BeyondKerasB;

/// <summary>Gradient checks, training behaviour, inference statistics, weight-norm init/removal, validation, save/load.</summary>
public class BeyondKerasBBehaviourTests
{
    private static Tensor Rand(int seed, params int[] shape) => RandScaled(seed, 2, 0, shape);

    private static Tensor RandScaled(int seed, double scale, double shift, params int[] shape)
    {
        var r = new Random(seed);
        return Tensor.FromArray(Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => (float)((r.NextDouble() * 2 - 1) * scale + shift)).ToArray(), shape);
    }

    private static void Randomize(Tensor t, int seed, double lo, double hi)
    {
        var r = new Random(seed);
        for (int i = 0; i < t.Size; i++) t.Data[i] = (float)(lo + (hi - lo) * r.NextDouble());
    }

    // ------------------------------------------------------------------ finite differences

    public static TheoryData<string, bool> GradCases => new()
    {
        { "sn_rank4", true }, { "sn_rank4", false }, { "sn_rank2", true }, { "sn_rank3_axis1", true }, { "sn_no_bn", true },
        { "sn_spatial1", true },
        { "bin_rank4", true }, { "bin_rank4", false }, { "bin_rank3", true }, { "bin_rank5_axis1", true },
        { "mobn_rank3", true }, { "mobn_rank3", false },
    };

    [Theory]
    [MemberData(nameof(GradCases))]
    public void GradientsMatchFiniteDifferences(string name, bool training)
    {
        (Layer layer, Tensor x) = name switch
        {
            "sn_rank4" => ((Layer)new SwitchableNormalization(momentum: 0.5), Rand(1, 3, 4, 3, 5)),
            "sn_rank2" => (new SwitchableNormalization(), Rand(2, 6, 5)),
            "sn_rank3_axis1" => (new SwitchableNormalization(axis: 1), Rand(3, 4, 3, 6)),
            "sn_no_bn" => (new SwitchableNormalization(useBatchStatistics: false), Rand(4, 3, 4, 5)),
            "sn_spatial1" => (new SwitchableNormalization(), Rand(5, 4, 1, 1, 3)),
            "bin_rank4" => (new BatchInstanceNormalization(momentum: 0.5), Rand(6, 3, 4, 3, 5)),
            "bin_rank3" => (new BatchInstanceNormalization(), Rand(7, 4, 6, 3)),
            "bin_rank5_axis1" => (new BatchInstanceNormalization(axis: 1), Rand(8, 2, 3, 2, 3, 2)),
            "mobn_rank3" => (new MeanOnlyBatchNormalization(momentum: 0.5), Rand(9, 4, 3, 5)),
            _ => throw new ArgumentException(name),
        };
        layer.Build(x.Shape);
        int s = 10;
        foreach (var w in layer.TrainableWeights) Randomize(w, s++, 0.2, 1.2);
        if (layer is BatchInstanceNormalization bin) Randomize(bin.Gate!, 99, 0.1, 0.9);
        if (!training)
        {
            // Non-trivial moving statistics for the inference path.
            layer.Call(Rand(20, x.Shape), training: true);
            layer.Call(Rand(21, x.Shape), training: true);
        }
        // Moving statistics change on every training call; the check calls f many times, so freeze them.
        var snapshot = layer.NonTrainableWeights.Select(w => w.ToArray()).ToArray();
        Tensor F()
        {
            var y = layer.Call(x, training);
            for (int i = 0; i < snapshot.Length; i++) snapshot[i].CopyTo(layer.NonTrainableWeights[i].Data, 0);
            return y;
        }
        GradCheck.Check(F, [x, .. layer.TrainableWeights], h: 1e-2, samples: 16);
    }

    [Theory]
    [InlineData("dense")] [InlineData("conv")] [InlineData("lstm")]
    public void WeightNormalizationGradientsMatchFiniteDifferences(string kind)
    {
        (WeightNormalization wn, Tensor x) = kind switch
        {
            "dense" => (new WeightNormalization(new Dense(3, activation: "tanh")), Rand(1, 5, 4)),
            "conv" => (new WeightNormalization(new Conv2D(3, 2, padding: "same")), Rand(2, 2, 4, 4, 2)),
            _ => (new WeightNormalization(new LSTM(3)), Rand(3, 2, 3, 2)),
        };
        wn.Call(x, training: true); // data init (Dense, Conv2D)
        GradCheck.Check(() => wn.Call(x, training: true), [x, .. wn.TrainableWeights], h: 1e-2, samples: 16);
    }

    // ------------------------------------------------------------------ batch-instance gate

    [Fact]
    public void BatchInstanceGateStaysInUnitIntervalWithLargeLearningRate()
    {
        // Targets from a teacher whose gate is [0, 0, 1, 1] (IN for two channels, BN for two), on data with
        // per-(sample, channel) offsets: plain SGD with a large step overshoots both ends of [0, 1].
        var x = RandScaled(1, 2, 0, 32, 6, 4);
        var offsets = RandScaled(2, 4, 0, 32, 1, 4);
        for (int i = 0; i < x.Size; i++) x.Data[i] += offsets.Data[(i / 24) * 4 + i % 4];
        var teacher = new BatchInstanceNormalization();
        teacher.Build(x.Shape);
        teacher.Gate!.Data[0] = teacher.Gate.Data[1] = 0;
        var target = teacher.Call(x, training: true).Detach();
        var bin = new BatchInstanceNormalization(inputShape: [6, 4]);
        var model = new Sequential([bin]);
        model.Compile(new SGD(learningRate: 20.0), "mse");
        var seen = new List<double>();
        for (int epoch = 0; epoch < 5; epoch++)
        {
            model.Fit(x, target, epochs: 1, batchSize: 32, shuffle: false, verbose: 0);
            seen.AddRange(bin.Rho!);
            Assert.All(bin.Rho!, r => Assert.True(r >= 0 && r <= 1, $"rho {r} at epoch {epoch}"));
        }
        // The unconstrained step left [0, 1] (the clamp did work), and the gate learned the teacher's.
        Assert.Contains(seen, r => r == 0);
        Assert.True(bin.Rho![0] < 0.1 && bin.Rho[1] < 0.1 && bin.Rho[2] > 0.9 && bin.Rho[3] > 0.9, string.Join(", ", bin.Rho));
    }

    [Fact]
    public void ClipConstraintClampsAndRoundTrips()
    {
        var c = new ClipConstraint(0, 1);
        var t = Tensor.FromArray([-2f, 0.5f, 3f], 3);
        c.Apply(t);
        Assert.Equal([0f, 0.5f, 1f], t.ToArray());
        var back = (ClipConstraint)Constraint.FromConfig(c.GetConfig());
        Assert.Equal((0.0, 1.0), (back.MinValue, back.MaxValue));
        var e = Assert.Throws<ArgumentException>(() => new ClipConstraint(1, 0));
        Assert.Contains("minValue=1", e.Message);
    }

    // ------------------------------------------------------------------ switchable norm

    [Fact]
    public void SwitchableWeightsMoveTowardTheBetterNormalizer()
    {
        // Targets are the instance-normalized inputs, and each (sample, channel) has its own large offset
        // and scale: only the IN statistics can produce them, so training must raise the IN weights.
        var rng = new Random(3);
        int n = 64, hw = 8, c = 3;
        var x = new float[n * hw * c]; var target = new float[x.Length];
        for (int s = 0; s < n; s++)
            for (int ch = 0; ch < c; ch++)
            {
                double off = rng.NextDouble() * 10 - 5, sc = 0.5 + rng.NextDouble() * 3;
                var v = Enumerable.Range(0, hw).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
                double m = v.Average(), sd = Math.Sqrt(v.Select(z => (z - m) * (z - m)).Average() + 1e-3 / (sc * sc));
                for (int i = 0; i < hw; i++)
                {
                    int j = (s * hw + i) * c + ch;
                    x[j] = (float)(v[i] * sc + off);
                    target[j] = (float)((v[i] - m) / sd);
                }
            }
        var sn = new SwitchableNormalization(inputShape: [hw, c]);
        var model = new Sequential([sn]);
        model.Compile(new Adam(0.05), "mse");
        double[] m0 = sn.MeanWeights ?? [1 / 3.0, 1 / 3.0, 1 / 3.0];
        model.Fit(Tensor.FromArray(x, n, hw, c), Tensor.FromArray(target, n, hw, c), epochs: 20, batchSize: 16, verbose: 0);
        Assert.True(sn.MeanWeights![0] > 0.6, $"IN mean weight {sn.MeanWeights[0]}");
        Assert.True(sn.VarianceWeights![0] > 0.6, $"IN variance weight {sn.VarianceWeights[0]}");
        Assert.Equal(1.0, sn.MeanWeights.Sum(), 9);
    }

    private static SwitchableNormalization OnlyBranch(int branch, Tensor train)
    {
        var sn = new SwitchableNormalization(momentum: 0.0);
        sn.Call(train, training: true); // momentum 0: the moving statistics are exactly this batch's
        for (int k = 0; k < 3; k++) { sn.MeanLogits!.Data[k] = k == branch ? 50 : -50; sn.VarianceLogits!.Data[k] = k == branch ? 50 : -50; }
        return sn;
    }

    [Fact]
    public void SwitchableInferenceUsesMovingStatisticsOnlyForTheBatchBranch()
    {
        var train = RandScaled(1, 3, 1, 6, 2, 5, 3);
        var test = RandScaled(2, 2, 4, 4, 2, 5, 3);
        const double eps = 1e-3;
        // BN branch: the moving statistics, (unbiased-IN-derived) batch statistics of the training batch.
        var bn = OnlyBranch(2, train);
        var yb = bn.Call(test).ToArray();
        var tb = test.ToArray();
        for (int i = 0; i < tb.Length; i++)
        {
            int ch = i % 3;
            double expected = (tb[i] - bn.MovingMean!.Data[ch]) / Math.Sqrt(bn.MovingVariance!.Data[ch] + eps);
            Assert.Equal(expected, yb[i], 3);
        }
        // IN and LN branches: statistics of each test sample, whatever else is in the batch.
        foreach (int branch in new[] { 0, 1 })
        {
            var sn = OnlyBranch(branch, train);
            var full = sn.Call(test).ToArray();
            var one = sn.Call(Tensor.FromArray(test.ToArray()[..30], 1, 2, 5, 3)).ToArray();
            for (int i = 0; i < 30; i++) Assert.Equal(full[i], one[i], 5);
            // IN: each (sample, channel) has mean 0; LN: each sample has mean 0.
            if (branch == 0)
                for (int ch = 0; ch < 3; ch++) Assert.Equal(0, Enumerable.Range(0, 10).Average(k => one[k * 3 + ch]), 4);
            else Assert.Equal(0, one.Average(), 4);
        }
    }

    [Fact]
    public void SwitchableSpatialSizeOneGivesNoNaN()
    {
        var sn = new SwitchableNormalization();
        var x = Rand(1, 4, 1, 1, 6);
        var y = sn.Call(x, training: true);
        Assert.All(y.ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.All(sn.Call(x).ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void LargeMeansDoNotCancel()
    {
        // Every branch subtracts a mean, so a common offset of 2000 must not change the output: the LN/BN
        // variances are derived from the instance ones in the stable form, not as E[x^2] - E[x]^2.
        var x = Rand(1, 4, 6, 3);
        var shifted = Tensor.FromArray(x.ToArray().Select(v => v + 2000f).ToArray(), x.Shape);
        foreach (var make in new Func<Layer>[] { () => new SwitchableNormalization(), () => new BatchInstanceNormalization() })
        {
            var a = make().Call(x, training: true).ToArray();
            var b = make().Call(shifted, training: true).ToArray();
            for (int i = 0; i < a.Length; i++) Assert.Equal(a[i], b[i], 2);
        }
    }

    // ------------------------------------------------------------------ weight normalization

    [Fact]
    public void DataInitGivesStandardizedPreactivationsAndRemoveKeepsOutputs()
    {
        var xd = RandScaled(1, 2, 1.5, 64, 5);
        var dense = new WeightNormalization(new Dense(4, activation: "relu"));
        dense.Call(xd, training: true);
        Assert.True(dense.Initialized);
        var pre = Ops.Linear(xd, Ops.WeightNorm(dense.V!, dense.G!), ((Dense)dense.Layer).Bias).ToArray();
        AssertStandardized(pre, 4);

        var xc = RandScaled(2, 1, 3, 8, 6, 6, 2);
        var conv = new WeightNormalization(new Conv2D(3, 3));
        conv.Call(xc, training: true);
        var convLinear = new Conv2D(3, 3);
        convLinear.Build(xc.Shape);
        convLinear.SetWeights([Ops.WeightNorm(conv.V!, conv.G!).Detach(), ((Conv2D)conv.Layer).Bias!.Detach()]);
        AssertStandardized(convLinear.Call(xc).ToArray(), 3);

        // A second training call does not re-initialize.
        var g = dense.G!.ToArray();
        dense.Call(Rand(3, 64, 5), training: true);
        Assert.Equal(g, dense.G.ToArray());

        foreach (var (wn, x) in new (WeightNormalization, Tensor)[] { (dense, xd), (conv, xc), (new WeightNormalization(new LSTM(3)), Rand(4, 2, 4, 3)) })
        {
            var before = wn.Call(x).ToArray();
            var plain = wn.Remove();
            Assert.Equal(before, plain.Call(x).ToArray());
        }
    }

    private static void AssertStandardized(float[] values, int units)
    {
        for (int o = 0; o < units; o++)
        {
            var col = values.Where((_, i) => i % units == o).Select(v => (double)v).ToArray();
            double m = col.Average(), v = col.Select(z => (z - m) * (z - m)).Average();
            Assert.Equal(0, m, 4);
            Assert.Equal(1, v, 3);
        }
    }

    [Fact]
    public void WeightNormalizationWithoutDataInitKeepsTheFunction()
    {
        var x = Rand(1, 4, 5);
        var dense = new Dense(3);
        var expected = dense.Call(x).ToArray();
        var wn = new WeightNormalization(dense, dataInit: false);
        var y = wn.Call(x, training: true).ToArray();
        for (int i = 0; i < y.Length; i++) Assert.Equal(expected[i], y[i], 5);
        Assert.False(wn.Initialized);
    }

    // ------------------------------------------------------------------ validation

    [Fact]
    public void ConstructorsAndBuildsRejectBadArguments()
    {
        Assert.Contains("momentum=1.5", Assert.Throws<ArgumentException>(() => new SwitchableNormalization(momentum: 1.5)).Message);
        Assert.Contains("SwitchableNormalization", Assert.Throws<ArgumentException>(() => new SwitchableNormalization(epsilon: 0)).Message);
        Assert.Contains("epsilon=-1", Assert.Throws<ArgumentException>(() => new BatchInstanceNormalization(epsilon: -1)).Message);
        Assert.Contains("momentum=-0.1", Assert.Throws<ArgumentException>(() => new MeanOnlyBatchNormalization(momentum: -0.1)).Message);
        Assert.Contains("Embedding", Assert.Throws<ArgumentException>(() => new WeightNormalization(new Embedding(4, 2))).Message);
        Assert.Contains("axis=0", Assert.Throws<ArgumentException>(() => new SwitchableNormalization(axis: 0).Call(Rand(1, 3, 4))).Message);
        Assert.Contains("rank >= 3", Assert.Throws<ArgumentException>(() => new BatchInstanceNormalization().Call(Rand(1, 3, 4))).Message);
        Assert.Contains("more than one value", Assert.Throws<ArgumentException>(() => new BatchInstanceNormalization().Call(Rand(1, 3, 1, 4), training: true)).Message);
    }

    // ------------------------------------------------------------------ save and load

    [Fact]
    public void SaveAndLoadRoundTrip()
    {
        var model = new Sequential([
            new WeightNormalization(new Conv2D(4, 3, padding: "same", inputShape: [5, 5, 2])),
            new MeanOnlyBatchNormalization(),
            new BatchInstanceNormalization(momentum: 0.5),
            new SwitchableNormalization(momentum: 0.5),
            new SwitchableNormalization(axis: 1, useBatchStatistics: false),
            new Flatten(),
            new WeightNormalization(new Dense(3), dataInit: false),
        ]);
        model.Compile(new SGD(0.1), "mse");
        var x = Rand(1, 8, 5, 5, 2);
        model.Fit(x, Rand(2, 8, 3), epochs: 2, batchSize: 4, verbose: 0);
        var expected = model.Call(x).ToArray();
        var path = Path.Combine(Path.GetTempPath(), $"normlab_beyond_b_{Guid.NewGuid():N}.normlab");
        try
        {
            model.Save(path);
            var loaded = Model.Load(path);
            Assert.Equal(expected, loaded.Call(x).ToArray());
            var w0 = model.GetWeights(); var w1 = loaded.GetWeights();
            Assert.Equal(w0.Length, w1.Length);
            for (int i = 0; i < w0.Length; i++) Assert.Equal(w0[i].ToArray(), w1[i].ToArray());
            // The loaded weight-norm wrapper is already initialized: training does not redo the data init.
            var wn = (WeightNormalization)((Sequential)loaded).Layers[0];
            Assert.True(wn.Initialized);
        }
        finally { if (File.Exists(path)) File.Delete(path); }
    }
}

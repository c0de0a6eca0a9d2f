using NormLab.Layers;
using Xunit;
using static NormLab.Tests.GradCheck;

namespace NormLab.Tests.Layers;

/// <summary>
/// SpatialDropout1D/2D, GaussianNoise, GaussianDropout, AlphaDropout and ActivityRegularization: the
/// harness, identity at inference, statistics of the noise on large inputs, the same draw for the same
/// seed, finite differences with the seed fixed, and the activity penalty in the training loss.
/// </summary>
public class RegularizationLayerTests
{
    [Fact]
    public void Harness()
    {
        LayerTest.Run(() => new SpatialDropout1D(0.5), [2, 5, 3], [2, 5, 3], trainableWeights: 0);
        LayerTest.Run(() => new SpatialDropout2D(0.5), [2, 3, 4, 3], [2, 3, 4, 3], trainableWeights: 0);
        LayerTest.Run(() => new SpatialDropout2D(0.3, dataFormat: "channels_first"), [2, 3, 4, 3], [2, 3, 4, 3], trainableWeights: 0);
        LayerTest.Run(() => new GaussianNoise(0.2), [3, 4], [3, 4], trainableWeights: 0);
        LayerTest.Run(() => new GaussianDropout(0.3), [3, 4], [3, 4], trainableWeights: 0);
        LayerTest.Run(() => new AlphaDropout(0.2, noiseShape: [1, 4]), [3, 4], [3, 4], trainableWeights: 0);
        LayerTest.Run(() => new ActivityRegularization(l1: 0.01, l2: 0.02), [3, 4], [3, 4], trainableWeights: 0);
    }

    public static TheoryData<string> Random => new() { "spatial1d", "spatial2d", "noise", "gaussian_dropout", "alpha_dropout" };

    private static Layer Make(string kind) => kind switch
    {
        "spatial1d" => new SpatialDropout1D(0.4),
        "spatial2d" => new SpatialDropout2D(0.4),
        "noise" => new GaussianNoise(0.5),
        "gaussian_dropout" => new GaussianDropout(0.4),
        _ => new AlphaDropout(0.4),
    };

    private static Tensor Input(string kind) => kind switch
    {
        "spatial1d" => Uniform(1, -1, 1, 4, 6, 5),
        "spatial2d" => Uniform(1, -1, 1, 2, 3, 4, 5),
        _ => Uniform(1, -1, 1, 6, 7),
    };

    [Theory]
    [MemberData(nameof(Random))]
    public void IdentityAtInference_SameDrawForSameSeed_Gradients(string kind)
    {
        var layer = Make(kind);
        var x = Input(kind);
        Assert.Equal(x.ToArray(), layer.Call(x).ToArray());
        NormLabRandom.SetSeed(3);
        var first = layer.Call(x, training: true).ToArray();
        NormLabRandom.SetSeed(3);
        Assert.Equal(first, layer.Call(x, training: true).ToArray());
        Assert.NotEqual(x.ToArray(), first);
        Assert.NotEqual(first, layer.Call(x, training: true).ToArray());
        CheckLayer(layer, x, training: true, beforeCall: () => NormLabRandom.SetSeed(9));
    }

    [Fact]
    public void ASeededLayerRepeatsItsDraws_WhateverTheGlobalSeed()
    {
        Func<int?, Layer>[] makers =
        [
            s => new SpatialDropout1D(0.4, seed: s), s => new SpatialDropout2D(0.4, seed: s), s => new GaussianNoise(0.5, seed: s),
            s => new GaussianDropout(0.4, seed: s), s => new AlphaDropout(0.4, seed: s),
        ];
        foreach (var make in makers)
        {
            var x = make(1) is SpatialDropout1D ? Uniform(1, -1, 1, 4, 6, 5) : make(1) is SpatialDropout2D ? Uniform(1, -1, 1, 2, 3, 4, 5) : Uniform(1, -1, 1, 6, 7);
            NormLabRandom.SetSeed(1);
            var a = make(5);
            var first = a.Call(x, training: true).ToArray();
            NormLabRandom.SetSeed(2);
            var b = make(5);
            Assert.Equal(first, b.Call(x, training: true).ToArray());
            Assert.NotEqual(first, make(6).Call(x, training: true).ToArray());
            Assert.Equal(5, (int)a.GetConfig()["seed"]!);
        }
        LayerTest.Run(() => new AlphaDropout(0.2, seed: 3), [3, 4], [3, 4], trainableWeights: 0);
    }

    [Fact]
    public void SpatialDropout_DropsWholeChannels()
    {
        NormLabRandom.SetSeed(4);
        var x = Tensor.Ones(64, 3, 4, 8);
        var y = new SpatialDropout2D(0.25).Call(x, training: true);
        int kept = 0;
        for (int n = 0; n < 64; n++)
            for (int c = 0; c < 8; c++)
            {
                var plane = Enumerable.Range(0, 12).Select(p => y.Data[(n * 12 + p) * 8 + c]).Distinct().ToArray();
                var value = Assert.Single(plane);   // one decision for the whole feature map
                Assert.True(value == 0 || Math.Abs(value - 1 / 0.75f) < 1e-6, $"value {value}");
                if (value != 0) kept++;
            }
        Assert.InRange(kept / 512.0, 0.75 - 0.06, 0.75 + 0.06);   // 3 binomial standard deviations

        var seq = new SpatialDropout1D(0.5).Call(Tensor.Ones(16, 10, 6), training: true);
        for (int n = 0; n < 16; n++)
            for (int c = 0; c < 6; c++)
                Assert.Single(Enumerable.Range(0, 10).Select(t => seq.Data[(n * 10 + t) * 6 + c]).Distinct());
        // channels_first: the channel is axis 1, one decision per (sample, channel) over axes 2 and 3.
        var first = new SpatialDropout2D(0.5, dataFormat: "channels_first").Call(Tensor.Ones(8, 4, 3, 5), training: true);
        for (int n = 0; n < 8; n++)
            for (int c = 0; c < 4; c++)
                Assert.Single(first.Data.Skip((n * 4 + c) * 15).Take(15).Distinct());
    }

    [Fact]
    public void NoiseHasTheKerasMoments()
    {
        NormLabRandom.SetSeed(6);
        var zeros = Tensor.Zeros(200, 100);
        var noise = new GaussianNoise(0.3).Call(zeros, training: true).ToArray();
        AssertMoments(noise, 0, 0.3);

        var ones = Tensor.Ones(200, 100);
        var multiplied = new GaussianDropout(0.2).Call(ones, training: true).ToArray();
        AssertMoments(multiplied, 1, Math.Sqrt(0.2 / 0.8));

        // AlphaDropout keeps a standard normal input at mean 0 and variance 1 (the point of it for SELU nets).
        NormLabRandom.SetSeed(7);
        var normal = Tensor.RandN(200, 100);
        var alpha = new AlphaDropout(0.3).Call(normal, training: true).ToArray();
        AssertMoments(alpha, 0, 1);
        // Dropped units all take the one value a * alpha' + b.
        double alphaP = -1.6732632423543772 * 1.0507009873554805, a = Math.Pow(0.7 * (1 + 0.3 * alphaP * alphaP), -0.5);
        float droppedValue = (float)(a * alphaP - a * alphaP * 0.3);
        double dropped = alpha.Count(v => Math.Abs(v - droppedValue) < 1e-5) / (double)alpha.Length;
        Assert.InRange(dropped, 0.3 - 0.014, 0.3 + 0.014);
    }

    private static void AssertMoments(float[] values, double mean, double std)
    {
        double m = values.Average(v => (double)v);
        double s = Math.Sqrt(values.Average(v => (v - m) * (v - m)));
        // 20,000 draws: the sample mean is within 4 standard errors, the standard deviation within 3%.
        Assert.InRange(m, mean - 4 * std / Math.Sqrt(values.Length), mean + 4 * std / Math.Sqrt(values.Length));
        Assert.InRange(s, std * 0.97, std * 1.03);
    }

    [Fact]
    public void ActivityRegularization_AddsItsPenaltyToTheTrainingLoss()
    {
        var x = Uniform(2, -1, 1, 8, 3);
        var y = Uniform(3, -1, 1, 8, 2);
        double LossOf(double l1, double l2)
        {
            NormLabRandom.SetSeed(11);
            var model = new Sequential([new Dense(4, inputShape: [3]), new ActivityRegularization(l1, l2), new Dense(2)]);
            model.Compile(optimizer: new NormLab.Optimizers.SGD(learningRate: 0.1), loss: "mse");   // one step: its loss is computed before the update
            var hidden = model.Layers[0].Call(x);
            double penalty = l1 * hidden.ToArray().Sum(v => Math.Abs((double)v)) + l2 * hidden.ToArray().Sum(v => (double)v * v);
            return model.Fit(x, y, epochs: 1, batchSize: 8, shuffle: false, verbose: 0)["loss"][0] - penalty;
        }
        // The same model and data: the loss with the penalty, less the penalty computed here, is the plain loss.
        double plain = LossOf(0, 0);
        Assert.Equal(plain, LossOf(0.01, 0), 5);
        Assert.Equal(plain, LossOf(0, 0.05), 5);
        Assert.Equal(plain, LossOf(0.02, 0.03), 5);

        // And the penalty's gradient reaches the weights below it: an L2 activity penalty shrinks the activations.
        NormLabRandom.SetSeed(12);
        var shrink = new Sequential([new Dense(4, inputShape: [3]), new ActivityRegularization(l2: 10)]);
        shrink.Compile(optimizer: new NormLab.Optimizers.SGD(learningRate: 0.01), loss: "mse");
        double before = shrink.Predict(x).ToArray().Sum(v => (double)v * v);
        shrink.Fit(x, Tensor.Zeros(8, 4), epochs: 5, batchSize: 8, verbose: 0);
        Assert.True(shrink.Predict(x).ToArray().Sum(v => (double)v * v) < 0.5 * before);
    }

    [Fact]
    public void BadArgumentsAndShapesNameTheLayer()
    {
        AssertNamed(() => new SpatialDropout1D(1, name: "sd1"), "sd1", "rate");
        AssertNamed(() => new SpatialDropout2D(-0.1, name: "sd2"), "sd2", "rate");
        AssertNamed(() => new SpatialDropout2D(0.1, dataFormat: "nhwc", name: "sd3"), "sd3", "dataFormat");
        AssertNamed(() => new SpatialDropout1D(0.1, name: "sd4").Call(Tensor.Zeros(2, 3), training: true), "sd4", "rank 3");
        AssertNamed(() => new SpatialDropout2D(0.1, name: "sd5").Call(Tensor.Zeros(2, 3, 4)), "sd5", "rank 4");
        AssertNamed(() => new GaussianNoise(-1, name: "gn"), "gn", "stddev");
        AssertNamed(() => new GaussianDropout(double.NaN, name: "gd"), "gd", "rate");
        AssertNamed(() => new AlphaDropout(1, name: "ad"), "ad", "rate");
        AssertNamed(() => new AlphaDropout(0.5, noiseShape: [1, 3], name: "ad2").Call(Tensor.Zeros(2, 4), training: true), "ad2", "noiseShape");
        AssertNamed(() => new ActivityRegularization(l1: -1, name: "ar"), "ar", "l1");
        AssertNamed(() => new ActivityRegularization(l2: double.PositiveInfinity, name: "ar2"), "ar2", "l2");
    }

    private static void AssertNamed(Action action, string name, string what)
    {
        var e = Assert.Throws<ArgumentException>(action);
        Assert.Contains(name, e.Message);
        Assert.Contains(what, e.Message);
    }
}

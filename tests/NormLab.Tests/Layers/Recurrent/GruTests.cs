using NormLab.Layers;
using Xunit;
using static NormLab.Tests.GradCheck;

namespace NormLab.Tests.Layers.Recurrent;

/// <summary>GRU: the harness, Keras's weight shapes and parameter counts, finite differences through the fused kernel, errors.</summary>
public class GruTests
{
    [Theory]
    [InlineData(false, new[] { 3, 4 })]
    [InlineData(true, new[] { 3, 5, 4 })]
    public void Harness(bool returnSequences, int[] expected) =>
        LayerTest.Run(() => new GRU(4, returnSequences: returnSequences), [3, 5, 2], expected, trainableWeights: 3);

    [Fact]
    public void WeightShapesAndParameterCountFollowKeras()
    {
        var gru = new GRU(128);
        gru.Build([32, 20, 64]);
        Assert.Equal([[64, 384], [128, 384], [2, 384]], gru.Weights.Select(w => w.Shape).ToArray());
        Assert.Equal(["gru/kernel", "gru/recurrent_kernel", "gru/bias"], gru.Weights.Select(w => w.Name!.Replace(gru.Name, "gru")).ToArray());
        Assert.Equal(74_496, gru.CountParams()); // keras.layers.GRU(128) on 64 features
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void GradientsMatchFiniteDifferences(bool returnSequences, bool goBackwards)
    {
        NormLabRandom.SetSeed(20);
        CheckLayer(new GRU(3, returnSequences: returnSequences, goBackwards: goBackwards), Uniform(20, -1, 1, 2, 4, 3));
    }

    [Fact]
    public void GradientsMatchFiniteDifferences_MaskedAndRecurrentDropout()
    {
        var x = Uniform(21, -1, 1, 3, 4, 2);
        x.Mask = Tensor.FromArray([1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0], 3, 4);
        // The same dropout masks on every evaluation: the seed is reset before each call.
        CheckLayer(new GRU(3, returnSequences: true, dropout: 0.3, recurrentDropout: 0.4), x, training: true, beforeCall: () => NormLabRandom.SetSeed(5));
    }

    [Fact]
    public void NoBias()
    {
        NormLabRandom.SetSeed(22);
        var gru = new GRU(2, useBias: false, returnSequences: true);
        CheckLayer(gru, Uniform(22, -1, 1, 2, 3, 2));
        Assert.Equal(2, gru.Weights.Count);
    }

    [Fact]
    public void ErrorsNameTheLayer()
    {
        var gru = new GRU(2, name: "probe_gru");
        Assert.Contains("probe_gru", Assert.Throws<ArgumentException>(() => gru.Call(Tensor.Ones(2, 3))).Message);
        gru.Call(Tensor.Ones(2, 3, 4));
        var features = Assert.Throws<ArgumentException>(() => gru.Call(Tensor.Ones(2, 3, 5)));
        Assert.Contains("probe_gru", features.Message);
        Assert.Contains("(2, 3, 5)", features.Message);
        var mask = Assert.Throws<ArgumentException>(() => gru.Call(Tensor.Ones(2, 3, 4), Tensor.Ones(2, 4)));
        Assert.Contains("probe_gru", mask.Message);
        Assert.Contains("(2, 4)", mask.Message);
        Assert.Contains("relu", Assert.Throws<ArgumentException>(() => new GRU(2, activation: "relu")).Message);
        Assert.Contains("resetAfter", Assert.Throws<ArgumentException>(() => new GRU(2, resetAfter: false)).Message);
        Assert.Contains("dropout", Assert.Throws<ArgumentException>(() => new GRU(2, dropout: 1)).Message);
    }
}

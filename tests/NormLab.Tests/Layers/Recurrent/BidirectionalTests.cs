using NormLab.Layers;
using Xunit;
using static NormLab.Tests.GradCheck;

namespace NormLab.Tests.Layers.Recurrent;

/// <summary>Bidirectional: the harness, merge modes, the backward half against a goBackwards layer, finite differences.</summary>
public class BidirectionalTests
{
    [Theory]
    [InlineData("concat", false, new[] { 3, 8 })]
    [InlineData("concat", true, new[] { 3, 5, 8 })]
    [InlineData("sum", true, new[] { 3, 5, 4 })]
    [InlineData("ave", false, new[] { 3, 4 })]
    [InlineData("mul", false, new[] { 3, 4 })]
    public void Harness(string mergeMode, bool returnSequences, int[] expected) =>
        LayerTest.Run(() => new Bidirectional(new GRU(4, returnSequences: returnSequences), mergeMode), [3, 5, 2], expected, trainableWeights: 6);

    [Fact]
    public void ParameterCountFollowsKeras()
    {
        var layer = new Bidirectional(new LSTM(8));
        layer.Build([1, 7, 5]);
        Assert.Equal(896, layer.CountParams()); // keras Bidirectional(LSTM(8)) on 5 features
        Assert.Equal("forward_", layer.ForwardLayer.Name[..8]);
        Assert.True(layer.BackwardLayer.GoBackwards);
    }

    [Fact]
    public void HalvesAreAForwardAndAReversedBackwardLayer()
    {
        NormLabRandom.SetSeed(40);
        var layer = new Bidirectional(new SimpleRNN(3, returnSequences: true));
        var x = Uniform(40, -1, 1, 2, 4, 2);
        var y = layer.Call(x);
        var forward = layer.ForwardLayer.Call(x);
        var backward = Ops.Reverse(layer.BackwardLayer.Call(x), 1);
        Assert.Equal(Ops.Concat([forward, backward], -1).ToArray(), y.ToArray());
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        NormLabRandom.SetSeed(41);
        var x = Uniform(41, -1, 1, 2, 3, 2);
        x.Mask = Tensor.FromArray([1, 1, 0, 1, 1, 1], 2, 3);
        CheckLayer(new Bidirectional(new GRU(2, returnSequences: true)), x, options: Default with { MaxChecksPerTensor = 24 });
    }

    [Fact]
    public void ErrorsNameTheLayer()
    {
        Assert.Contains("mergeMode", Assert.Throws<ArgumentException>(() => new Bidirectional(new GRU(2), "max", name: "probe_bi")).Message);
        var built = new GRU(2);
        built.Build([1, 2, 3]);
        Assert.Contains("built", Assert.Throws<ArgumentException>(() => new Bidirectional(built)).Message);
        var layer = new Bidirectional(new GRU(2), name: "probe_bi");
        Assert.Contains("probe_bi", Assert.Throws<ArgumentException>(() => layer.Call(Tensor.Ones(2, 3))).Message);
    }
}

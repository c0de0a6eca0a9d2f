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
    public void CallWithStateReturnsBothDirectionsStates()
    {
        NormLabRandom.SetSeed(42);
        var layer = new Bidirectional(new LSTM(3, returnState: true));
        var x = Uniform(42, -1, 1, 2, 4, 2);
        x.Mask = Tensor.FromArray([1, 1, 1, 0, 1, 1, 1, 1], 2, 4);
        var outputs = layer.CallWithState(x);
        Assert.Equal(5, outputs.Length); // merged, forward h and c, backward h and c
        var forward = layer.ForwardLayer.CallWithState(x);
        var backward = layer.BackwardLayer.CallWithState(x);
        Assert.Equal(Ops.Concat([forward[0], backward[0]], -1).ToArray(), outputs[0].ToArray());
        for (int i = 1; i < 3; i++)
        {
            Assert.Equal(forward[i].ToArray(), outputs[i].ToArray());
            Assert.Equal(backward[i].ToArray(), outputs[2 + i].ToArray());
        }
        // Without returnSequences the last output is the final h of each direction.
        Assert.Equal(outputs[0].ToArray(), Ops.Concat([outputs[1], outputs[3]], -1).ToArray());
        Assert.Equal(layer.Call(x).ToArray(), outputs[0].ToArray());
    }

    [Fact]
    public void CallWithStateNeedsReturnState()
    {
        var layer = new Bidirectional(new GRU(2), name: "probe_bi");
        var e = Assert.Throws<InvalidOperationException>(() => layer.CallWithState(Tensor.Ones(1, 3, 2)));
        Assert.Contains("probe_bi", e.Message);
        Assert.Contains("returnState", e.Message);
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

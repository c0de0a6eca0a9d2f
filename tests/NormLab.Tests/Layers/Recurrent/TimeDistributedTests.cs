using NormLab.Layers;
using Xunit;
using static NormLab.Tests.GradCheck;

namespace NormLab.Tests.Layers.Recurrent;

/// <summary>TimeDistributed: the harness, step-by-step equality with the wrapped layer, finite differences, errors.</summary>
public class TimeDistributedTests
{
    [Fact]
    public void Harness_Dense() =>
        LayerTest.Run(() => new TimeDistributed(new Dense(3)), [2, 4, 5], [2, 4, 3], trainableWeights: 2);

    [Fact]
    public void Harness_Conv2D() =>
        LayerTest.Run(() => new TimeDistributed(new Conv2D(2, 3)), [2, 3, 5, 5, 1], [2, 3, 3, 3, 2], trainableWeights: 2);

    [Fact]
    public void EachStepIsTheWrappedLayerOnThatStep()
    {
        NormLabRandom.SetSeed(42);
        var layer = new TimeDistributed(new Dense(3, activation: "tanh"));
        var x = Uniform(42, -1, 1, 2, 4, 5);
        var y = layer.Call(x);
        for (int t = 0; t < 4; t++)
            Assert.Equal(layer.Layer.Call(Ops.Reshape(Ops.Slice(x, 1, t, 1), 2, 5)).ToArray(), Ops.Reshape(Ops.Slice(y, 1, t, 1), 2, 3).ToArray());
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        NormLabRandom.SetSeed(43);
        CheckLayer(new TimeDistributed(new Dense(2, activation: "tanh")), Uniform(43, -1, 1, 2, 3, 4));
    }

    [Fact]
    public void ErrorsNameTheLayer()
    {
        var layer = new TimeDistributed(new Dense(2), name: "probe_td");
        var ex = Assert.Throws<ArgumentException>(() => layer.Call(Tensor.Ones(2, 3)));
        Assert.Contains("probe_td", ex.Message);
        Assert.Contains("(2, 3)", ex.Message);
    }
}

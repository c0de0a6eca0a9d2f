using NormLab.Layers;
using Xunit;
using static NormLab.Tests.GradCheck;

namespace NormLab.Tests.Layers.Recurrent;

/// <summary>SimpleRNN: the harness, Keras's weight shapes, finite differences, errors.</summary>
public class SimpleRnnTests
{
    [Theory]
    [InlineData(false, new[] { 3, 4 })]
    [InlineData(true, new[] { 3, 5, 4 })]
    public void Harness(bool returnSequences, int[] expected) =>
        LayerTest.Run(() => new SimpleRNN(4, returnSequences: returnSequences), [3, 5, 2], expected, trainableWeights: 3);

    [Fact]
    public void WeightShapesAndParameterCountFollowKeras()
    {
        var rnn = new SimpleRNN(6);
        rnn.Build([1, 5, 4]);
        Assert.Equal([[4, 6], [6, 6], [6]], rnn.Weights.Select(w => w.Shape).ToArray());
        Assert.Equal(66, rnn.CountParams());
    }

    [Theory]
    [InlineData("tanh", true)]
    [InlineData("relu", false)]
    public void GradientsMatchFiniteDifferences(string activation, bool returnSequences)
    {
        NormLabRandom.SetSeed(23);
        CheckLayer(new SimpleRNN(3, activation: activation, returnSequences: returnSequences), AwayFromZero(23, 2, 4, 3));
    }

    [Fact]
    public void ErrorsNameTheLayer()
    {
        var rnn = new SimpleRNN(2, name: "probe_rnn");
        Assert.Contains("probe_rnn", Assert.Throws<ArgumentException>(() => rnn.Call(Tensor.Ones(2, 3, 4, 1))).Message);
        Assert.Contains("probe_rnn", Assert.Throws<ArgumentException>(() => new SimpleRNN(0, name: "probe_rnn")).Message);
    }
}

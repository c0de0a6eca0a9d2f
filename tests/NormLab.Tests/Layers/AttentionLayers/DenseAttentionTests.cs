using NormLab.Layers;
using Xunit;
using static NormLab.Tests.GradCheck;

namespace NormLab.Tests.Layers.AttentionLayers;

/// <summary>Attention and AdditiveAttention: the harness, weights, query masks, finite differences, errors.</summary>
public class DenseAttentionTests
{
    [Theory]
    [InlineData(false, "dot", 0)]
    [InlineData(true, "dot", 1)]
    [InlineData(true, "concat", 2)]
    public void Harness_Attention(bool useScale, string scoreMode, int weights) =>
        LayerTest.Run(() => new Attention(useScale, scoreMode), [2, 4, 3], [2, 4, 3], trainableWeights: weights);

    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 0)]
    public void Harness_AdditiveAttention(bool useScale, int weights) =>
        LayerTest.Run(() => new AdditiveAttention(useScale), [2, 4, 3], [2, 4, 3], trainableWeights: weights);

    [Fact]
    public void WeightsFollowKeras()
    {
        var attention = new Attention(useScale: true, scoreMode: "concat");
        attention.Call(Tensor.Ones(1, 2, 5), Tensor.Ones(1, 3, 5));
        Assert.Equal([[], []], attention.Weights.Select(w => w.Shape).ToArray());
        var additive = new AdditiveAttention();
        additive.Call(Tensor.Ones(1, 2, 5), Tensor.Ones(1, 3, 5));
        Assert.Equal([5], Assert.Single(additive.Weights).Shape);
    }

    [Fact]
    public void QueryMaskZeroesPaddedQuerySteps()
    {
        var query = Uniform(60, -1, 1, 1, 3, 2);
        query.Mask = Tensor.FromArray([1, 0, 1], 1, 3);
        var y = new Attention().Call(query, Uniform(61, -1, 1, 1, 4, 2));
        Assert.Equal([0f, 0f], y.ToArray()[2..4]);
        Assert.NotEqual(0f, y[0, 0, 0]);
        Assert.Same(query.Mask, y.Mask);
    }

    [Theory]
    [InlineData("dot", true, false)]
    [InlineData("concat", true, true)]
    [InlineData("additive", true, true)]
    [InlineData("additive", false, false)]
    public void GradientsMatchFiniteDifferences(string mode, bool useScale, bool causal)
    {
        NormLabRandom.SetSeed(62);
        Attention layer = mode == "additive" ? new AdditiveAttention(useScale, dropout: 0.2) : new Attention(useScale, mode, dropout: 0.2);
        var query = Uniform(62, -1, 1, 2, 3, 4);
        var value = Uniform(63, -1, 1, 2, 3, 4);
        var key = Uniform(64, -1, 1, 2, 3, 4);
        value.Mask = Tensor.FromArray([1, 1, 0, 1, 1, 1], 2, 3);
        layer.Call(query, value, key);
        Tensor F()
        {
            NormLabRandom.SetSeed(8);
            return layer.Call(query, value, key, useCausalMask: causal, training: true);
        }
        Check(F, [("query", query), ("value", value), ("key", key), .. layer.TrainableWeights.Select(w => (w.Name!, w))], what: layer.Name);
    }

    [Fact]
    public void ErrorsNameTheLayer()
    {
        var attention = new Attention(name: "probe_attention");
        var ex = Assert.Throws<ArgumentException>(() => attention.Call(Tensor.Ones(2, 3, 4), Tensor.Ones(2, 5, 3)));
        Assert.Contains("probe_attention", ex.Message);
        Assert.Contains("(2, 5, 3)", ex.Message);
        Assert.Contains("probe_attention", Assert.Throws<ArgumentException>(() => attention.Call(Tensor.Ones(2, 4), Tensor.Ones(2, 5, 4))).Message);
        Assert.Contains("scoreMode", Assert.Throws<ArgumentException>(() => new Attention(scoreMode: "general")).Message);
        var query = Tensor.Ones(2, 3, 4);
        query.Mask = Tensor.Ones(2, 2);
        Assert.Contains("query mask", Assert.Throws<ArgumentException>(() => new AdditiveAttention().Call(query, Tensor.Ones(2, 5, 4))).Message);
    }
}

using NormLab.Layers;
using NormLab.Tests.Normalization;
using Xunit;
using static NormLab.Tests.GradCheck;

namespace NormLab.Tests.Layers.AttentionLayers;

/// <summary>
/// MultiHeadAttention's qkNorm ("layer", "rms", "l2"): forward and gradients against
/// tests/reference/make_transformer_fixtures.py, the harness (weights, config, save/load, training),
/// Henry et al.'s initial logit scale, finite differences, and bad values named.
/// </summary>
public class QkNormTests
{
    [Theory]
    [InlineData("layer")]
    [InlineData("rms")]
    [InlineData("l2")]
    public void MatchesReference(string qkNorm)
    {
        var f = NormFixture.Load("mha_qk_" + qkNorm, "transformer");
        var names = f.Config["weights"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray();
        var layer = new MultiHeadAttention(f.Config["numHeads"]!.GetValue<int>(), f.Config["keyDim"]!.GetValue<int>(), qkNorm: qkNorm);
        var x = f.T("x", requiresGrad: true);
        layer.Call(x, x);
        layer.SetWeights(names.Select(n => f.T(n)).ToArray());
        var y = layer.Call(x, x, training: true);
        f.AssertClose("y", y, 1e-5, 1e-5);
        y.Backward(f.T("seed"));
        f.AssertClose("dx", x.Grad, 1e-4, 1e-4);
        for (int i = 0; i < names.Length; i++)
            f.AssertClose("d" + names[i], layer.Weights[i].Grad, 1e-4, 1e-4);
    }

    [Theory]
    [InlineData("layer", 12)]
    [InlineData("rms", 10)]
    [InlineData("l2", 9)]
    public void Harness(string qkNorm, int weights) =>
        LayerTest.Run(() => new MultiHeadAttention(2, 3, qkNorm: qkNorm), [2, 4, 5], [2, 4, 5], trainableWeights: weights);

    [Fact]
    public void WeightsAfterKerasOnes()
    {
        var mha = new MultiHeadAttention(4, 16, qkNorm: "layer");
        mha.Call(Tensor.Zeros(1, 49, 64), Tensor.Zeros(1, 49, 64));
        Assert.Equal(["query_norm/gamma", "query_norm/beta", "key_norm/gamma", "key_norm/beta"],
            mha.Weights.Skip(8).Select(w => w.Name![(mha.Name.Length + 1)..]).ToArray());
        Assert.Equal(16_640 + 4 * 16, mha.CountParams());
    }

    [Fact]
    public void L2ScaleStartsAtLog2OfLengthSquaredMinusLength()
    {
        var mha = new MultiHeadAttention(2, 3, qkNorm: "l2");
        mha.Call(Tensor.Zeros(1, 49, 6), Tensor.Zeros(1, 49, 6));
        var g = Assert.Single(mha.Weights, w => w.Name!.EndsWith("qk_scale"));
        Assert.Equal(Math.Log2(49.0 * 49 - 49), g[0], 5);
    }

    [Theory]
    [InlineData("layer")]
    [InlineData("rms")]
    [InlineData("l2")]
    public void GradientsMatchFiniteDifferences(string qkNorm)
    {
        NormLabRandom.SetSeed(60);
        var mha = new MultiHeadAttention(2, 4, qkNorm: qkNorm);
        var x = Uniform(60, -1, 1, 2, 4, 5);
        mha.Call(x, x);
        // A smaller step than the default 1e-2: normalizing 4 features per head curves sharply.
        Check(() => mha.Call(x, x, useCausalMask: true), [("x", x), .. mha.TrainableWeights.Select(w => (w.Name!, w))],
            new Options(Eps: 2e-3), mha.Name);
    }

    [Fact]
    public void UnknownQkNormIsNamed()
    {
        var error = Assert.Throws<ArgumentException>(() => new MultiHeadAttention(2, 3, qkNorm: "batch", name: "probe_mha"));
        Assert.Contains("probe_mha", error.Message);
        Assert.Contains("qkNorm", error.Message);
        Assert.Contains("'batch'", error.Message);
    }
}

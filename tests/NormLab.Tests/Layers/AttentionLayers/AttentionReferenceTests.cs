using NormLab.Layers;
using NormLab.Tests.Normalization;
using Xunit;

namespace NormLab.Tests.Layers.AttentionLayers;

/// <summary>
/// MultiHeadAttention, Attention and AdditiveAttention against tests/reference/make_seq_fixtures.py (Keras's
/// formulas in float64 torch, cross-checked there with numpy loops): output, attention probabilities, and
/// the gradients of sum(y * seed) for query, value, key and every weight. Forward within 1e-5, gradients 1e-4.
/// </summary>
public class AttentionReferenceTests
{
    [Theory]
    [InlineData("mha_cross")]
    [InlineData("mha_causal")]
    [InlineData("mha_masks")]
    public void MultiHeadAttention_MatchesReference(string name)
    {
        var f = NormFixture.Load(name, "seq");
        var c = f.Config;
        var layer = new MultiHeadAttention(c["numHeads"]!.GetValue<int>(), c["keyDim"]!.GetValue<int>(), c["valueDim"]!.GetValue<int>(),
            outputShape: c["outputShape"]?.GetValue<int>());
        string[] weights = ["query_kernel", "query_bias", "key_kernel", "key_bias", "value_kernel", "value_bias", "output_kernel", "output_bias"];
        var (query, value, key) = Inputs(f);
        var mask = f.Has("attention_mask") ? f.T("attention_mask") : null;

        var (y, scores) = layer.CallWithScores(query, value, key, mask, c["useCausalMask"]!.GetValue<bool>(), training: true);
        Assert.Equal(8, layer.Weights.Count);
        layer.SetWeights(weights.Select(w => f.T(w)).ToArray());
        (y, scores) = layer.CallWithScores(query, value, key, mask, c["useCausalMask"]!.GetValue<bool>(), training: true);
        CheckAll(f, y, scores, query, value, key, layer, weights);
    }

    [Theory]
    [InlineData("attention_dot")]
    [InlineData("attention_dot_scaled_masked")]
    [InlineData("attention_concat_causal")]
    [InlineData("additive")]
    [InlineData("additive_noscale_masked")]
    public void DenseAttention_MatchesReference(string name)
    {
        var f = NormFixture.Load(name, "seq");
        var c = f.Config;
        bool useScale = c["useScale"]!.GetValue<bool>();
        Attention layer = c["layer"]!.GetValue<string>() == "additive"
            ? new AdditiveAttention(useScale)
            : new Attention(useScale, c["scoreMode"]!.GetValue<string>());
        string[] weights = new[] { "scale", "concat_score_weight" }.Where(f.Has).ToArray();
        var (query, value, key) = Inputs(f);

        layer.Call(query, value, key);
        Assert.Equal(weights.Length, layer.Weights.Count);
        layer.SetWeights(weights.Select(w => f.T(w)).ToArray());
        var (y, scores) = layer.CallWithScores(query, value, key, useCausalMask: c["useCausalMask"]!.GetValue<bool>(), training: true);
        CheckAll(f, y, scores, query, value, key, layer, weights);
    }

    private static (Tensor Query, Tensor Value, Tensor Key) Inputs(NormFixture f)
    {
        var query = f.T("query", requiresGrad: true);
        var value = f.T("value", requiresGrad: true);
        var key = f.T("key", requiresGrad: true);
        if (f.Has("value_mask")) value.Mask = f.T("value_mask");
        if (f.Has("query_mask")) query.Mask = f.T("query_mask");
        return (query, value, key);
    }

    private static void CheckAll(NormFixture f, Tensor y, Tensor scores, Tensor query, Tensor value, Tensor key, Layer layer, string[] weights)
    {
        f.AssertClose("y", y, 1e-5, 1e-5);
        f.AssertClose("scores", scores, 1e-5, 1e-5);
        foreach (var w in layer.Weights) w.Grad = null;
        y.Backward(f.T("seed"));
        f.AssertClose("dquery", query.Grad, 1e-4, 1e-4);
        f.AssertClose("dvalue", value.Grad, 1e-4, 1e-4);
        f.AssertClose("dkey", key.Grad, 1e-4, 1e-4);
        for (int i = 0; i < weights.Length; i++)
            f.AssertClose("d" + weights[i], layer.Weights[i].Grad, 1e-4, 1e-4);
    }
}

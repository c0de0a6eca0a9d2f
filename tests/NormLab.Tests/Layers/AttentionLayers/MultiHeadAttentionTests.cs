using NormLab.Layers;
using Xunit;
using static NormLab.Tests.GradCheck;

namespace NormLab.Tests.Layers.AttentionLayers;

/// <summary>
/// MultiHeadAttention: the harness (self-attention in a Sequential model), Keras's weight shapes, order and
/// parameter count, a functional model with separate query and value saved and loaded, masks, finite
/// differences through the fused kernel (with masks and seeded dropout), errors naming the layer.
/// </summary>
public class MultiHeadAttentionTests
{
    [Fact]
    public void Harness() =>
        LayerTest.Run(() => new MultiHeadAttention(2, 3), [2, 4, 5], [2, 4, 5], trainableWeights: 8);

    [Fact]
    public void Harness_ValueDimOutputShapeNoBias() =>
        LayerTest.Run(() => new MultiHeadAttention(3, 2, valueDim: 4, useBias: false, outputShape: 6), [2, 4, 5], [2, 4, 6], trainableWeights: 4);

    [Fact]
    public void WeightsFollowKeras()
    {
        var mha = new MultiHeadAttention(numHeads: 4, keyDim: 16);
        mha.Call(Tensor.Zeros(1, 49, 64), Tensor.Zeros(1, 49, 64));
        Assert.Equal([[64, 4, 16], [4, 16], [64, 4, 16], [4, 16], [64, 4, 16], [4, 16], [4, 16, 64], [64]], mha.Weights.Select(w => w.Shape).ToArray());
        Assert.Equal(["query/kernel", "query/bias", "key/kernel", "key/bias", "value/kernel", "value/bias", "attention_output/kernel", "attention_output/bias"],
            mha.Weights.Select(w => w.Name![(mha.Name.Length + 1)..]).ToArray());
        Assert.Equal(16_640, mha.CountParams()); // keras.layers.MultiHeadAttention(4, 16) on dim 64
    }

    [Fact]
    public void KeyAndValueMayHaveOtherWidthsThanTheQuery()
    {
        var mha = new MultiHeadAttention(2, 3, valueDim: 5);
        var y = mha.Call(Tensor.Ones(2, 4, 6), Tensor.Ones(2, 7, 8), Tensor.Ones(2, 7, 9));
        Assert.Equal([2, 4, 6], y.Shape);
        Assert.Equal([[6, 2, 3], [2, 3], [9, 2, 3], [2, 3], [8, 2, 5], [2, 5], [2, 5, 6], [6]], mha.Weights.Select(w => w.Shape).ToArray());
    }

    [Fact]
    public void FunctionalModelWithQueryAndValueSavesAndLoads()
    {
        NormLabRandom.SetSeed(50);
        var inputs = new Input([5, 4]);
        var value = new Dense(6, activation: "tanh").Call(inputs);
        var attended = new MultiHeadAttention(2, 3).Call(inputs, value);
        var model = new Model(inputs, new Dense(2).Call(attended));
        var printed = new List<string>();
        model.Summary(printed.Add);
        // Keras counts 30 + 42 + 42 + 28 parameters (query, key, value, output).
        Assert.Contains(printed, line => line.Contains("(MultiHeadAttention)") && line.Contains("(None, 5, 4)") && line.Contains("142"));
        var x = Uniform(50, -1, 1, 3, 5, 4);
        var before = model.Predict(x).ToArray();
        var path = Path.Combine(Path.GetTempPath(), $"normlab-mha-{Guid.NewGuid():N}.normlab");
        try
        {
            model.Save(path);
            Assert.Equal(before, Model.Load(path).Predict(x).ToArray());
        }
        finally { File.Delete(path); }
        model.Compile(optimizer: "adam", loss: "mse");
        var history = model.Fit(x, Uniform(51, -1, 1, 3, 5, 2), epochs: 2, batchSize: 3, verbose: 0);
        Assert.True(history["loss"][1] < history["loss"][0]);
    }

    [Fact]
    public void CausalMaskHidesLaterSteps()
    {
        NormLabRandom.SetSeed(52);
        var mha = new MultiHeadAttention(2, 4);
        var x = Uniform(52, -1, 1, 1, 5, 3);
        var (y, scores) = mha.CallWithScores(x, x, useCausalMask: true);
        var changed = x.ToArray();
        for (int i = 3 * 3; i < changed.Length; i++) changed[i] += 1; // steps 3 and 4
        var y2 = mha.Call(Tensor.FromArray(changed, x.Shape), Tensor.FromArray(changed, x.Shape), useCausalMask: true);
        Assert.Equal(y.ToArray()[..9], y2.ToArray()[..9]);
        Assert.NotEqual(y.ToArray()[9..], y2.ToArray()[9..]);
        Assert.Equal([1, 2, 5, 5], scores.Shape);
        for (int h = 0; h < 2; h++)
            for (int i = 0; i < 5; i++)
            {
                Assert.Equal(1.0, Enumerable.Range(0, 5).Sum(j => scores[0, h, i, j]), 5);
                for (int j = i + 1; j < 5; j++) Assert.Equal(0f, scores[0, h, i, j]);
            }
    }

    [Fact]
    public void ValueMaskFromEmbeddingIgnoresPaddedKeys()
    {
        NormLabRandom.SetSeed(53);
        var embedding = new Embedding(5, 4, maskZero: true);
        var mha = new MultiHeadAttention(2, 2);
        var value = embedding.Call(Tensor.FromArray([1, 2, 0, 3, 4, 1], 2, 3));
        var query = Uniform(53, -1, 1, 2, 2, 4);
        var (_, scores) = mha.CallWithScores(query, value);
        for (int h = 0; h < 2; h++)
            for (int i = 0; i < 2; i++) Assert.Equal(0f, scores[0, h, i, 2]);
        Assert.True(scores[1, 0, 0, 2] > 0);
    }

    [Fact]
    public void GradientsMatchFiniteDifferences_MasksAndDropout()
    {
        NormLabRandom.SetSeed(54);
        var mha = new MultiHeadAttention(2, 3, valueDim: 2, dropout: 0.3);
        var query = Uniform(54, -1, 1, 2, 3, 4);
        var value = Uniform(55, -1, 1, 2, 4, 5);
        var key = Uniform(56, -1, 1, 2, 4, 3);
        value.Mask = Tensor.FromArray([1, 1, 1, 0, 1, 1, 0, 0], 2, 4);
        var mask = Tensor.FromArray(Enumerable.Range(0, 24).Select(i => i % 5 == 1 ? 0f : 1f).ToArray(), 2, 3, 4);
        mha.Call(query, value, key);
        Tensor F()
        {
            NormLabRandom.SetSeed(7);
            return mha.Call(query, value, key, attentionMask: mask, training: true);
        }
        Check(F, [("query", query), ("value", value), ("key", key), .. mha.TrainableWeights.Select(w => (w.Name!, w))], what: mha.Name);
    }

    [Fact]
    public void GradientsMatchFiniteDifferences_CausalSelfAttention()
    {
        NormLabRandom.SetSeed(57);
        var mha = new MultiHeadAttention(3, 2);
        var x = Uniform(57, -1, 1, 2, 4, 3);
        mha.Call(x, x);
        Check(() => mha.Call(x, x, useCausalMask: true), [("x", x), .. mha.TrainableWeights.Select(w => (w.Name!, w))], what: mha.Name);
    }

    [Fact]
    public void ErrorsNameTheLayer()
    {
        var mha = new MultiHeadAttention(2, 3, name: "probe_mha");
        Assert.Contains("probe_mha", Assert.Throws<ArgumentException>(() => mha.Call(Tensor.Ones(2, 3), Tensor.Ones(2, 3, 4))).Message);
        Assert.Contains("probe_mha", Assert.Throws<ArgumentException>(() => mha.Call(Tensor.Ones(2, 3, 4), Tensor.Ones(3, 3, 4))).Message);
        mha.Call(Tensor.Ones(2, 3, 4), Tensor.Ones(2, 5, 4));
        var width = Assert.Throws<ArgumentException>(() => mha.Call(Tensor.Ones(2, 3, 4), Tensor.Ones(2, 5, 6)));
        Assert.Contains("probe_mha", width.Message);
        Assert.Contains("(2, 5, 6)", width.Message);
        var mask = Assert.Throws<ArgumentException>(() => mha.Call(Tensor.Ones(2, 3, 4), Tensor.Ones(2, 5, 4), attentionMask: Tensor.Ones(2, 5, 3)));
        Assert.Contains("probe_mha", mask.Message);
        Assert.Contains("(2, 5, 3)", mask.Message);
        var value = Tensor.Ones(2, 5, 4);
        value.Mask = Tensor.Ones(2, 4);
        Assert.Contains("value mask", Assert.Throws<ArgumentException>(() => mha.Call(Tensor.Ones(2, 3, 4), value)).Message);
        Assert.Contains("probe_mha", Assert.Throws<ArgumentException>(() => new MultiHeadAttention(0, 3, name: "probe_mha")).Message);
        Assert.Contains("dropout", Assert.Throws<ArgumentException>(() => new MultiHeadAttention(2, 3, dropout: 1)).Message);
    }
}

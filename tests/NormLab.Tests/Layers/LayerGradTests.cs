using NormLab.Layers;
using Xunit;
using static NormLab.Tests.GradCheck;

namespace NormLab.Tests.Layers;

/// <summary>
/// Finite-difference checks of every layer: the gradient with respect to the input and every
/// trainable weight. Also covers the ops only reachable through layers (Conv2D, pooling, Gather).
/// </summary>
public class LayerGradTests
{
    private static Tensor U(int seed, params int[] shape) => Uniform(seed, -1, 1, shape);

    [Theory]
    [InlineData("linear", true)]
    [InlineData("tanh", true)]
    [InlineData("sigmoid", false)]
    [InlineData("softmax", true)]
    public void Dense(string activation, bool useBias)
    {
        NormLabRandom.SetSeed(1);
        CheckLayer(new Dense(4, activation: activation, useBias: useBias), U(1, 3, 5));
    }

    [Fact]
    public void Dense_Rank3Input()
    {
        NormLabRandom.SetSeed(2);
        CheckLayer(new Dense(3), U(2, 2, 4, 5));
    }

    [Theory]
    [InlineData("valid", 1, 1, 1, 1)]
    [InlineData("same", 1, 1, 1, 1)]
    [InlineData("valid", 2, 2, 1, 1)]
    [InlineData("same", 2, 2, 1, 1)]
    [InlineData("same", 2, 1, 1, 1)]
    [InlineData("valid", 1, 1, 2, 2)]
    [InlineData("same", 1, 1, 2, 1)]
    public void Conv2D(string padding, int strideH, int strideW, int dilationH, int dilationW)
    {
        NormLabRandom.SetSeed(3);
        var layer = new Conv2D(3, (3, 2), strides: (strideH, strideW), padding: padding, dilationRate: (dilationH, dilationW), activation: "tanh");
        CheckLayer(layer, U(3, 2, 7, 6, 2));
    }

    [Fact]
    public void Conv2D_NoBias_EvenKernel_Same()
    {
        NormLabRandom.SetSeed(4);
        CheckLayer(new Conv2D(2, (2, 2), padding: "same", useBias: false), U(4, 1, 5, 5, 3));
    }

    [Theory]
    [InlineData(2, 2, "valid")]
    [InlineData(3, 2, "valid")]
    [InlineData(2, 1, "valid")]
    [InlineData(3, 2, "same")]
    [InlineData(2, 2, "same")]
    public void MaxPooling2D(int pool, int stride, string padding)
    {
        // Distinct values, gap 2/(n-1) ~ 0.014 for 150 values: Eps 1e-3 keeps every argmax in place.
        var x = Distinct(5, 2, 5, 5, 3);
        CheckLayer(new MaxPooling2D((pool, pool), strides: (stride, stride), padding: padding), x,
            options: Default with { Eps = 1e-3, Atol = 3e-3, MaxChecksPerTensor = 150 });
    }

    [Fact]
    public void MaxPool2D_Alias()
    {
        CheckLayer(new MaxPool2D(2), Distinct(6, 1, 4, 4, 2), options: Default with { Eps = 1e-3, Atol = 3e-3 });
    }

    [Theory]
    [InlineData(2, 2, "valid")]
    [InlineData(3, 2, "valid")]
    [InlineData(3, 2, "same")]
    [InlineData(2, 1, "same")]
    public void AveragePooling2D(int pool, int stride, string padding) =>
        CheckLayer(new AveragePooling2D((pool, pool), strides: (stride, stride), padding: padding), U(7, 2, 5, 5, 3),
            options: Default with { MaxChecksPerTensor = 150 });

    [Fact]
    public void GlobalAveragePooling2D() => CheckLayer(new GlobalAveragePooling2D(), U(8, 2, 3, 4, 3));

    [Fact]
    public void Flatten() => CheckLayer(new Flatten(), U(9, 2, 3, 2, 2));

    [Fact]
    public void Dropout_Training_FixedSeed()
    {
        var layer = new Dropout(0.4);
        var x = U(10, 3, 8);
        CheckLayer(layer, x, training: true, beforeCall: () => NormLabRandom.SetSeed(77));
        // The mask really drops something and scales the rest by 1 / (1 - rate).
        NormLabRandom.SetSeed(77);
        var y = layer.Call(x, training: true).ToArray();
        var xs = x.ToArray();
        Assert.Contains(y, v => v == 0);
        for (int i = 0; i < y.Length; i++)
            if (y[i] != 0) Assert.Equal(xs[i] / 0.6f, y[i], 5);
        Assert.Equal(xs, layer.Call(x, training: false).ToArray());
    }

    [Theory]
    [InlineData("relu")]
    [InlineData("tanh")]
    [InlineData("gelu")]
    [InlineData("elu")]
    [InlineData("leaky_relu")]
    [InlineData("swish")]
    [InlineData("sigmoid")]
    [InlineData("softmax")]
    [InlineData("linear")]
    [InlineData("selu")]
    [InlineData("softplus")]
    [InlineData("softsign")]
    [InlineData("relu6")]
    [InlineData("hard_sigmoid")]
    [InlineData("hard_silu")]
    [InlineData("mish")]
    [InlineData("exponential")]
    public void Activation(string name) => CheckLayer(new Activation(name), AwayFromZero(11, 3, 5));

    [Fact]
    public void Embedding_GatherScatterAdd()
    {
        NormLabRandom.SetSeed(12);
        var layer = new Embedding(6, 3);
        // Repeated ids: their gradients must add up in the table.
        var ids = Tensor.FromArray([0, 2, 2, 5, 1, 2, 0, 4], 2, 4);
        layer.Build(ids.Shape);
        Check(() => layer.Call(ids, training: true), [("embeddings", layer.TrainableWeights[0])], what: "Embedding");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LSTM(bool returnSequences)
    {
        NormLabRandom.SetSeed(13);
        CheckLayer(new LSTM(3, returnSequences: returnSequences), U(13, 2, 4, 3), options: Default with { MaxChecksPerTensor = 36 });
    }

    [Fact]
    public void LSTM_NoBias()
    {
        NormLabRandom.SetSeed(14);
        CheckLayer(new LSTM(2, useBias: false, returnSequences: true), U(14, 1, 3, 2));
    }

    [Fact]
    public void Add_Merge()
    {
        var add = new Add();
        Check(t => add.Call([t[0], t[1], t[2]]), [U(15, 2, 3), U(16, 2, 3), U(17, 2, 3)], what: "Add");
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    public void Concatenate_Merge(int axis)
    {
        var concat = new Concatenate(axis);
        var b = axis == -1 ? U(19, 2, 3, 1) : U(19, 2, 2, 2);
        Check(t => concat.Call([t[0], t[1]]), [U(18, 2, 3, 2), b], what: "Concatenate");
    }

    [Fact]
    public void Sequential_Model_EndToEnd()
    {
        NormLabRandom.SetSeed(20);
        var model = new Sequential([
            new Conv2D(2, 3, padding: "same", activation: "tanh", inputShape: [5, 5, 1]),
            new AveragePooling2D(2),
            new Flatten(),
            new Dense(3, activation: "softmax"),
        ]);
        CheckLayer(model, U(20, 2, 5, 5, 1), training: true);
    }
}

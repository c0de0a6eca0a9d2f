using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Layers;

/// <summary>Every core layer through <see cref="LayerTest"/>.</summary>
public class CoreLayerTests
{
    [Fact]
    public void Dense() => LayerTest.Run(() => new Dense(3, activation: "tanh"), [4, 5], [4, 3], trainableWeights: 2);

    [Fact]
    public void Dense_NoBias_Rank3_WithInputShape() =>
        LayerTest.Run(() => new Dense(2, useBias: false, kernelInitializer: "he_normal", inputShape: [3, 5]), [4, 3, 5], [4, 3, 2], trainableWeights: 1);

    [Fact]
    public void Dense_InputDim() => LayerTest.Run(() => new Dense(2, inputDim: 3, kernelInitializer: "uniform"), [4, 3], [4, 2], trainableWeights: 2);

    [Theory]
    [InlineData("valid", 1, 1, new[] { 2, 4, 5, 3 })]
    [InlineData("same", 1, 1, new[] { 2, 6, 7, 3 })]
    [InlineData("valid", 2, 1, new[] { 2, 2, 3, 3 })]
    [InlineData("same", 2, 1, new[] { 2, 3, 4, 3 })]
    [InlineData("valid", 1, 2, new[] { 2, 2, 3, 3 })]
    public void Conv2D(string padding, int stride, int dilation, int[] expected) =>
        LayerTest.Run(() => new Conv2D(3, 3, strides: stride, padding: padding, dilationRate: dilation, activation: "relu"),
            [2, 6, 7, 2], expected, trainableWeights: 2);

    [Fact]
    public void MaxPooling2D() => LayerTest.Run(() => new MaxPooling2D((2, 2)), [2, 5, 4, 3], [2, 2, 2, 3], trainableWeights: 0);

    [Fact]
    public void MaxPooling2D_SameStrided() => LayerTest.Run(() => new MaxPooling2D(3, strides: 2, padding: "same"), [2, 5, 4, 3], [2, 3, 2, 3], trainableWeights: 0);

    [Fact]
    public void MaxPool2D() => LayerTest.Run(() => new MaxPool2D(2), [1, 4, 4, 1], [1, 2, 2, 1], trainableWeights: 0);

    [Fact]
    public void AveragePooling2D() => LayerTest.Run(() => new AveragePooling2D((2, 3), padding: "same"), [2, 5, 4, 3], [2, 3, 2, 3], trainableWeights: 0);

    [Fact]
    public void GlobalAveragePooling2D() => LayerTest.Run(() => new GlobalAveragePooling2D(), [2, 3, 4, 5], [2, 5], trainableWeights: 0);

    [Fact]
    public void Flatten() => LayerTest.Run(() => new Flatten(), [2, 3, 4, 5], [2, 60], trainableWeights: 0);

    [Fact]
    public void Dropout() => LayerTest.Run(() => new Dropout(0.5), [4, 6], [4, 6], trainableWeights: 0);

    [Theory]
    [InlineData("relu")]
    [InlineData("softmax")]
    [InlineData("gelu")]
    public void Activation(string name) => LayerTest.Run(() => new Activation(name), [3, 4], [3, 4], trainableWeights: 0);

    [Fact]
    public void Embedding() => LayerTest.Run(() => new Embedding(7, 3), [4, 5], [4, 5, 3], trainableWeights: 1,
        input: Tensor.FromArray(Enumerable.Range(0, 20).Select(i => (float)(i * 3 % 7)).ToArray(), 4, 5));

    [Fact]
    public void Embedding_InputLength() => LayerTest.Run(() => new Embedding(7, 3, inputLength: 5), [4, 5], [4, 5, 3], trainableWeights: 1,
        input: Tensor.FromArray(Enumerable.Range(0, 20).Select(i => (float)(i % 7)).ToArray(), 4, 5));

    [Theory]
    [InlineData(false, new[] { 3, 4 })]
    [InlineData(true, new[] { 3, 5, 4 })]
    public void LSTM(bool returnSequences, int[] expected) =>
        LayerTest.Run(() => new LSTM(4, returnSequences: returnSequences), [3, 5, 2], expected, trainableWeights: 3);

    [Fact]
    public void Add() => LayerTest.RunMerge(() => new Add(), 5, [4, 3]);

    [Fact]
    public void Concatenate() => LayerTest.RunMerge(() => new Concatenate(), 5, [4, 6]);

    [Fact]
    public void LSTM_WeightShapes_FollowKeras()
    {
        var lstm = new LSTM(4);
        lstm.Build([2, 5, 3]);
        Assert.Equal([3, 16], lstm.Weights[0].Shape);
        Assert.Equal([4, 16], lstm.Weights[1].Shape);
        Assert.Equal([16], lstm.Weights[2].Shape);
        // unitForgetBias: the forget gate (second block of u) starts at 1, the rest at 0.
        var bias = lstm.Weights[2].ToArray();
        Assert.Equal(Enumerable.Repeat(1f, 4), bias[4..8]);
        Assert.All(bias[..4].Concat(bias[8..]), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Conv2D_KernelShape_FollowsKeras()
    {
        var conv = new Conv2D(5, (3, 2));
        conv.Build([1, 6, 6, 4]);
        Assert.Equal([3, 2, 4, 5], conv.Weights[0].Shape);
        Assert.Equal([5], conv.Weights[1].Shape);
    }

    [Fact]
    public void SoftmaxOnAScalarSaysItNeedsAnAxis()
    {
        // Before: IndexOutOfRangeException from inside the op.
        var e = Assert.Throws<ArgumentException>(() => new Activation("softmax").Call(Tensor.Scalar(1f)));
        Assert.Contains("received a scalar", e.Message);
    }
}

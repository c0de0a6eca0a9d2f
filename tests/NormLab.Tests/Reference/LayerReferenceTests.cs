using Xunit;

namespace NormLab.Tests.Reference;

// Aliases (they take precedence over types of the enclosing NormLab namespace):
// Tensor from NormLab, layers from NormLab.Layers, Loss from NormLab.Losses.
using Tensor = NormLab.Tensor;
using Dense = NormLab.Layers.Dense;
using Conv2D = NormLab.Layers.Conv2D;
using MaxPooling2D = NormLab.Layers.MaxPooling2D;
using AveragePooling2D = NormLab.Layers.AveragePooling2D;
using Embedding = NormLab.Layers.Embedding;
using LSTM = NormLab.Layers.LSTM;

/// <summary>
/// Layer forward/backward against the PyTorch golden fixtures (Keras semantics, NHWC, Keras weight
/// layouts). Each fixture's loss is sum(y * seed), so y.Backward(seed) must reproduce dx / dkernel / ...
/// Tolerances: forward Tol.FwdRel/FwdAbs (1e-5 + 1e-5), gradients Tol.GradRel/GradAbs (1e-4 + 1e-4),
/// LSTM Tol.Lstm* (5e-5 forward, 3e-4 gradients).
/// </summary>
public class LayerReferenceTests
{
    /// <summary>The fixture input "x" as a leaf tensor.</summary>
    private static Tensor Input(Fixture f, bool requiresGrad = true)
    {
        Tensor x = f.GetTensor("x");
        x.RequiresGrad = requiresGrad;
        return x;
    }

    /// <summary>Checks y against the fixture, then back-propagates the fixture seed.</summary>
    private static void CheckForwardThenBackward(Fixture f, Tensor y, double rtol = Tol.FwdRel, double atol = Tol.FwdAbs)
    {
        RefAssert.AssertTensor(f, "y", y, rtol, atol);
        y.Backward(f.GetTensor("seed"));
    }

    // ------------------------------------------------------------------ Dense

    [Theory]
    [InlineData("dense_rank2")]
    [InlineData("dense_rank3")]   // Dense acts on the last axis of a (2, 3, 5) input
    [InlineData("dense_nobias")]
    [InlineData("dense_relu")]
    public void Dense_MatchesReference(string name)
    {
        var f = Fixture.Load(name);
        bool useBias = f.Bool("useBias");
        Tensor x = Input(f);

        var layer = new Dense(f.Int("units"), activation: f.String("activation"), useBias: useBias);
        layer.Build(x.Shape);
        layer.SetWeights(useBias
            ? new[] { f.GetTensor("kernel"), f.GetTensor("bias") }
            : new[] { f.GetTensor("kernel") });
        Assert.Equal(useBias ? 2 : 1, layer.TrainableWeights.Count());

        Tensor y = layer.Call(x, training: true);
        CheckForwardThenBackward(f, y);

        RefAssert.AssertTensor(f, "dx", x.Grad, Tol.GradRel, Tol.GradAbs);
        RefAssert.AssertTensor(f, "dkernel", layer.TrainableWeights[0].Grad, Tol.GradRel, Tol.GradAbs);
        if (useBias)
            RefAssert.AssertTensor(f, "dbias", layer.TrainableWeights[1].Grad, Tol.GradRel, Tol.GradAbs);
    }

    // ------------------------------------------------------------------ Conv2D

    [Theory]
    [InlineData("conv2d_valid")]
    [InlineData("conv2d_same_3x3")]
    [InlineData("conv2d_same_stride2_even")]   // TF 'same': pad 0 top/left, 1 bottom/right
    [InlineData("conv2d_same_stride2_odd")]
    [InlineData("conv2d_same_k4_s2x3")]        // kernel (4,2), strides (2,3): asymmetric pads
    [InlineData("conv2d_same_2x2")]            // even kernel, stride 1: extra pad on bottom/right
    [InlineData("conv2d_valid_dilation2")]
    [InlineData("conv2d_same_dilation2")]
    [InlineData("conv2d_valid_stride2")]
    [InlineData("conv2d_1x1")]
    [InlineData("conv2d_nobias")]
    public void Conv2D_MatchesReference(string name)
    {
        var f = Fixture.Load(name);
        bool useBias = f.Bool("useBias");
        Tensor x = Input(f);

        var layer = new Conv2D(
            f.Int("filters"),
            f.IntPair("kernelSize"),
            strides: f.IntPair("strides"),
            padding: f.String("padding"),
            dilationRate: f.IntPair("dilationRate"),
            useBias: useBias);
        layer.Build(x.Shape);
        layer.SetWeights(useBias
            ? new[] { f.GetTensor("kernel"), f.GetTensor("bias") }
            : new[] { f.GetTensor("kernel") });
        Assert.Equal(useBias ? 2 : 1, layer.TrainableWeights.Count());

        Tensor y = layer.Call(x, training: true);
        CheckForwardThenBackward(f, y);

        RefAssert.AssertTensor(f, "dx", x.Grad, Tol.GradRel, Tol.GradAbs);
        RefAssert.AssertTensor(f, "dkernel", layer.TrainableWeights[0].Grad, Tol.GradRel, Tol.GradAbs);
        if (useBias)
            RefAssert.AssertTensor(f, "dbias", layer.TrainableWeights[1].Grad, Tol.GradRel, Tol.GradAbs);
    }

    // ------------------------------------------------------------------ Pooling

    /// <summary>Fixture "strides": null means Keras' default (strides = poolSize).</summary>
    private static (int, int)? PoolStrides(Fixture f) => f.IsNull("strides") ? null : f.IntPair("strides");

    [Theory]
    [InlineData("maxpool_valid_2x2")]        // strides null -> poolSize
    [InlineData("maxpool_valid_3x3_s2")]
    [InlineData("maxpool_valid_odd_2x2")]    // last row/column dropped
    [InlineData("maxpool_same_2x2_s2")]      // padding with -inf on bottom/right
    [InlineData("maxpool_same_3x3_s1")]
    [InlineData("maxpool_same_3x3_s2_even")]
    public void MaxPooling2D_MatchesReference(string name)
    {
        var f = Fixture.Load(name);
        Tensor x = Input(f);

        var layer = new MaxPooling2D(f.IntPair("poolSize"), strides: PoolStrides(f), padding: f.String("padding"));
        layer.Build(x.Shape);

        Tensor y = layer.Call(x, training: true);
        CheckForwardThenBackward(f, y);
        RefAssert.AssertTensor(f, "dx", x.Grad, Tol.GradRel, Tol.GradAbs);
    }

    [Theory]
    [InlineData("avgpool_valid_2x2")]        // strides null -> poolSize
    [InlineData("avgpool_valid_3x3_s2")]
    [InlineData("avgpool_valid_odd_2x2")]
    [InlineData("avgpool_same_2x2_s2")]      // 'same': average over valid (unpadded) elements only
    [InlineData("avgpool_same_3x3_s1")]
    [InlineData("avgpool_same_3x3_s2_even")]
    public void AveragePooling2D_MatchesReference(string name)
    {
        var f = Fixture.Load(name);
        Tensor x = Input(f);

        var layer = new AveragePooling2D(f.IntPair("poolSize"), strides: PoolStrides(f), padding: f.String("padding"));
        layer.Build(x.Shape);

        Tensor y = layer.Call(x, training: true);
        CheckForwardThenBackward(f, y);
        RefAssert.AssertTensor(f, "dx", x.Grad, Tol.GradRel, Tol.GradAbs);
    }

    // ------------------------------------------------------------------ Embedding

    [Fact]
    public void Embedding_MatchesReference()
    {
        var f = Fixture.Load("embedding");
        Tensor x = Input(f, requiresGrad: false);   // integer indices stored as floats

        var layer = new Embedding(f.Int("inputDim"), f.Int("outputDim"));
        layer.Build(x.Shape);
        layer.SetWeights(new[] { f.GetTensor("embeddings") });
        Assert.Single(layer.TrainableWeights);

        Tensor y = layer.Call(x, training: true);
        CheckForwardThenBackward(f, y);

        // exact gather, but repeated indices accumulate gradient rows
        RefAssert.AssertTensor(f, "dembeddings", layer.TrainableWeights[0].Grad, Tol.GradRel, Tol.GradAbs);
    }

    // ------------------------------------------------------------------ LSTM

    [Theory]
    [InlineData("lstm_seq")]    // returnSequences: true  -> y (3, 5, 6)
    [InlineData("lstm_last")]   // returnSequences: false -> y (3, 6)
    public void LSTM_MatchesReference(string name)
    {
        var f = Fixture.Load(name);
        Tensor x = Input(f);

        var layer = new LSTM(f.Int("units"), returnSequences: f.Bool("returnSequences"));
        layer.Build(x.Shape);
        // Keras order and layouts: kernel (in, 4u), recurrent_kernel (u, 4u), bias (4u); gates i, f, c, o.
        layer.SetWeights(new[] { f.GetTensor("kernel"), f.GetTensor("recurrent_kernel"), f.GetTensor("bias") });
        Assert.Equal(3, layer.TrainableWeights.Count());

        Tensor y = layer.Call(x, training: true);
        CheckForwardThenBackward(f, y, Tol.LstmFwdRel, Tol.LstmFwdAbs);

        RefAssert.AssertTensor(f, "dx", x.Grad, Tol.LstmGradRel, Tol.LstmGradAbs);
        RefAssert.AssertTensor(f, "dkernel", layer.TrainableWeights[0].Grad, Tol.LstmGradRel, Tol.LstmGradAbs);
        RefAssert.AssertTensor(f, "drecurrent_kernel", layer.TrainableWeights[1].Grad, Tol.LstmGradRel, Tol.LstmGradAbs);
        RefAssert.AssertTensor(f, "dbias", layer.TrainableWeights[2].Grad, Tol.LstmGradRel, Tol.LstmGradAbs);
    }
}

using NormLab.Layers;
using NormLab.Tests.Layers;
using Xunit;

namespace NormLab.Tests.Normalization;

/// <summary>
/// DynamicTanh, ScaleNorm, LayerScale and the transformer stem (PatchEmbedding, PositionEmbedding):
/// forward and gradients against tests/reference/make_modern_fixtures.py (PyTorch), finite differences,
/// the layer harness, the papers' defaults and the error cases.
/// </summary>
public class ModernNormalizationTests
{
    private static NormFixture Load(string name) => NormFixture.Load(name, "modern");

    private static void Backward(Tensor y, Tensor seed) => Ops.Sum(Ops.Mul(y, seed)).Backward();

    [Theory]
    [InlineData("dyt_rank2")] [InlineData("dyt_rank3")]
    public void DynamicTanhMatchesPyTorch(string name)
    {
        var f = Load(name);
        var layer = new DynamicTanh();
        var x = f.T("x", requiresGrad: true);
        layer.Build(x.Shape);
        layer.SetWeights([f.T("alpha"), f.T("weight"), f.T("bias")]);
        var y = layer.Call(x, training: true);
        f.AssertClose("y", y);
        Backward(y, f.T("seed"));
        f.AssertClose("dx", x.Grad, atol: 1e-4);
        f.AssertClose("dalpha", layer.Alpha!.Grad, rtol: 1e-4, atol: 1e-3);
        f.AssertClose("dweight", layer.Weight!.Grad, atol: 1e-4);
        f.AssertClose("dbias", layer.Bias!.Grad, atol: 1e-4);
    }

    [Theory]
    [InlineData("scale_norm_rank2")] [InlineData("scale_norm_rank3")]
    public void ScaleNormMatchesPyTorch(string name)
    {
        var f = Load(name);
        var layer = new ScaleNorm(epsilon: f.Config["epsilon"]!.GetValue<double>());
        var x = f.T("x", requiresGrad: true);
        layer.Build(x.Shape);
        layer.SetWeights([f.T("scale")]);
        var y = layer.Call(x);
        f.AssertClose("y", y, atol: 1e-4);
        Backward(y, f.T("seed"));
        f.AssertClose("dx", x.Grad, atol: 1e-4);
        f.AssertClose("dscale", layer.Scale!.Grad, atol: 1e-4);
    }

    [Fact]
    public void LayerScaleMatchesPyTorch()
    {
        var f = Load("layer_scale");
        var layer = new LayerScale();
        var x = f.T("x", requiresGrad: true);
        layer.Build(x.Shape);
        layer.SetWeights([f.T("gamma")]);
        var y = layer.Call(x);
        f.AssertClose("y", y);
        Backward(y, f.T("seed"));
        f.AssertClose("dx", x.Grad);
        f.AssertClose("dgamma", layer.Gamma!.Grad, atol: 1e-4);
    }

    [Fact]
    public void PatchEmbeddingIsAStridedConvolutionFlattenedToTokens()
    {
        var f = Load("patch_embedding");
        var layer = new PatchEmbedding(f.Config["patchSize"]!.GetValue<int>(), f.Config["projectionDim"]!.GetValue<int>());
        var x = f.T("x", requiresGrad: true);
        layer.Build(x.Shape);
        layer.SetWeights([f.T("kernel"), f.T("bias")]);
        var y = layer.Call(x);
        f.AssertClose("y", y, atol: 1e-4);
        Backward(y, f.T("seed"));
        f.AssertClose("dx", x.Grad, atol: 1e-4);
        f.AssertClose("dkernel", layer.TrainableWeights[0].Grad, atol: 1e-4);
        f.AssertClose("dbias", layer.TrainableWeights[1].Grad, atol: 1e-4);
    }

    [Fact]
    public void PositionEmbeddingReturnsTheFirstRowsOfItsTable()
    {
        var f = Load("position_embedding");
        var layer = new PositionEmbedding(f.Config["sequenceLength"]!.GetValue<int>());
        var x = f.T("x");
        layer.Build(x.Shape);
        layer.SetWeights([f.T("embeddings")]);
        var y = layer.Call(x);
        f.AssertClose("y", y);
        Backward(y, f.T("seed"));
        f.AssertClose("dembeddings", layer.Embeddings!.Grad);
    }

    [Fact]
    public void DefaultsAreThePapers()
    {
        var x = GradCheck.Uniform(1, -1, 1, 2, 3, 16);
        var dyt = new DynamicTanh();
        dyt.Build(x.Shape);
        Assert.Equal([0.5f], dyt.Alpha!.ToArray());
        Assert.All(dyt.Weight!.ToArray(), v => Assert.Equal(1f, v));
        Assert.All(dyt.Bias!.ToArray(), v => Assert.Equal(0f, v));
        var scale = new ScaleNorm();
        scale.Build(x.Shape);
        Assert.Equal(1e-5, scale.Epsilon);
        Assert.Equal([4f], scale.Scale!.ToArray());
        var layerScale = new LayerScale();
        layerScale.Build(x.Shape);
        Assert.All(layerScale.Gamma!.ToArray(), v => Assert.Equal(1e-5f, v));
        Assert.Equal(0.8, new DynamicTanh(alphaInit: 0.8).AlphaInit);
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        var x = GradCheck.Uniform(2, -2, 2, 3, 4, 8);
        GradCheck.CheckLayer(new DynamicTanh(alphaInit: 0.7), x);
        GradCheck.CheckLayer(new ScaleNorm(), GradCheck.Uniform(3, -2, 2, 3, 4, 8));
        GradCheck.CheckLayer(new LayerScale(initValue: 0.3), GradCheck.Uniform(4, -2, 2, 3, 4, 8));
        GradCheck.CheckLayer(new PatchEmbedding(2, 3), GradCheck.Uniform(5, -1, 1, 2, 4, 6, 2));
        GradCheck.CheckLayer(new PositionEmbedding(6), GradCheck.Uniform(6, -1, 1, 2, 4, 3), checkInput: false);
    }

    [Fact]
    public void LayersGoThroughTheHarness()
    {
        LayerTest.Run(() => new DynamicTanh(), [4, 5, 8], [4, 5, 8], trainableWeights: 3);
        LayerTest.Run(() => new ScaleNorm(), [4, 5, 8], [4, 5, 8], trainableWeights: 1);
        LayerTest.Run(() => new LayerScale(initValue: 0.1), [4, 8], [4, 8], trainableWeights: 1);
        LayerTest.Run(() => new PatchEmbedding(2, 6), [2, 4, 6, 3], [2, 6, 6], trainableWeights: 2);
        LayerTest.Run(() => new PositionEmbedding(7), [2, 5, 4], [2, 5, 4], trainableWeights: 1);
    }

    [Fact]
    public void HugeInputsStayFinite()
    {
        var x = Tensor.FromArray([3e20f, -3e20f, 1e19f, 2e19f, 0, 0, 0, 1e-30f], 2, 4);
        var dyt = new DynamicTanh();
        var y = dyt.Call(x).ToArray();
        Assert.Equal([1f, -1f, 1f, 1f], y[..4]);
        var s = new ScaleNorm().Call(x).ToArray();
        Assert.All(s, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(2 * 3e20 / Math.Sqrt(2 * 9e40 + 1e38 + 4e38), s[0], 1e-5);
    }

    [Fact]
    public void BadArgumentsAndShapesAreNamedErrors()
    {
        Assert.Contains("alphaInit", Assert.Throws<ArgumentException>(() => new DynamicTanh(alphaInit: 0)).Message);
        Assert.Contains("alphaInit", Assert.Throws<ArgumentException>(() => new DynamicTanh(alphaInit: double.NaN)).Message);
        Assert.Contains("epsilon", Assert.Throws<ArgumentException>(() => new ScaleNorm(epsilon: 0)).Message);
        Assert.Contains("epsilon", Assert.Throws<ArgumentException>(() => new ScaleNorm(epsilon: double.NaN)).Message);
        Assert.Contains("initValue", Assert.Throws<ArgumentException>(() => new LayerScale(initValue: double.PositiveInfinity)).Message);
        Assert.Contains("sequenceLength", Assert.Throws<ArgumentException>(() => new PositionEmbedding(0)).Message);
        Assert.Contains("patchSize", Assert.Throws<ArgumentException>(() => new PatchEmbedding(0, 4)).Message);

        var dyt = new DynamicTanh(name: "dyt");
        dyt.Call(Tensor.Zeros(2, 8));
        var e = Assert.Throws<ArgumentException>(() => dyt.Call(Tensor.Zeros(2, 5)));
        Assert.Contains("DynamicTanh 'dyt'", e.Message);
        Assert.Contains("(2, 5)", e.Message);
        Assert.Contains("DynamicTanh", Assert.Throws<ArgumentException>(() => new DynamicTanh().Call(Tensor.Zeros(8))).Message);
        var patches = Assert.Throws<ArgumentException>(() => new PatchEmbedding(3, 4, name: "stem").Call(Tensor.Zeros(1, 8, 9, 1)));
        Assert.Contains("PatchEmbedding 'stem'", patches.Message);
        Assert.Contains("(1, 8, 9, 1)", patches.Message);
        var position = new PositionEmbedding(4, name: "pos");
        position.Call(Tensor.Zeros(1, 4, 2));
        Assert.Contains("PositionEmbedding 'pos'", Assert.Throws<ArgumentException>(() => position.Call(Tensor.Zeros(1, 5, 2))).Message);
        Assert.Contains("ScaleNorm", Assert.Throws<ArgumentException>(() => Ops.ScaleNorm(Tensor.Zeros(2, 3), Tensor.Zeros(2))).Message);
    }
}

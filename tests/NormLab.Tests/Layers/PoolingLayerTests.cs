using NormLab.Layers;
using Xunit;
using static NormLab.Tests.GradCheck;

namespace NormLab.Tests.Layers;

/// <summary>The 1-D poolings and the global poolings (with keepdims) through <see cref="LayerTest"/>, finite differences and their errors.</summary>
public class PoolingLayerTests
{
    [Theory]
    [InlineData(2, null, "valid", new[] { 2, 3, 3 })]
    [InlineData(3, 2, "same", new[] { 2, 4, 3 })]
    public void MaxPooling1D(int pool, int? strides, string padding, int[] expected) =>
        LayerTest.Run(() => new MaxPooling1D(pool, strides, padding), [2, 7, 3], expected, trainableWeights: 0);

    [Theory]
    [InlineData(2, null, "valid", new[] { 2, 3, 3 })]
    [InlineData(3, 1, "same", new[] { 2, 7, 3 })]
    public void AveragePooling1D(int pool, int? strides, string padding, int[] expected) =>
        LayerTest.Run(() => new AveragePooling1D(pool, strides, padding), [2, 7, 3], expected, trainableWeights: 0);

    [Theory]
    [InlineData(false, new[] { 2, 3 })]
    [InlineData(true, new[] { 2, 1, 3 })]
    public void GlobalPooling1D(bool keepdims, int[] expected)
    {
        LayerTest.Run(() => new GlobalMaxPooling1D(keepdims), [2, 5, 3], expected, trainableWeights: 0);
        LayerTest.Run(() => new GlobalAveragePooling1D(keepdims), [2, 5, 3], expected, trainableWeights: 0);
    }

    [Theory]
    [InlineData(false, new[] { 2, 3 })]
    [InlineData(true, new[] { 2, 1, 1, 3 })]
    public void GlobalPooling2D(bool keepdims, int[] expected)
    {
        LayerTest.Run(() => new GlobalMaxPooling2D(keepdims), [2, 4, 5, 3], expected, trainableWeights: 0);
        LayerTest.Run(() => new GlobalAveragePooling2D(keepdims), [2, 4, 5, 3], expected, trainableWeights: 0);
    }

    [Theory]
    [InlineData(2, 2, "valid")]
    [InlineData(3, 2, "same")]
    [InlineData(3, 1, "same")]
    public void Pooling1D_Gradients(int pool, int stride, string padding)
    {
        // Distinct values, gap 2/59 ~ 0.034: Eps 1e-3 keeps every argmax in place.
        var options = Default with { Eps = 1e-3, Atol = 3e-3, MaxChecksPerTensor = 60 };
        CheckLayer(new MaxPooling1D(pool, stride, padding), Distinct(40, 2, 10, 3), options: options);
        CheckLayer(new AveragePooling1D(pool, stride, padding), Uniform(41, -1, 1, 2, 10, 3), options: options);
    }

    [Fact]
    public void GlobalPooling_Gradients()
    {
        var options = Default with { Eps = 1e-3, Atol = 3e-3 };
        CheckLayer(new GlobalMaxPooling1D(), Distinct(42, 2, 5, 3), options: options);
        CheckLayer(new GlobalMaxPooling2D(keepdims: true), Distinct(43, 2, 3, 4, 3), options: options);
        CheckLayer(new GlobalAveragePooling1D(keepdims: true), Uniform(44, -1, 1, 2, 5, 3));
    }

    [Fact]
    public void Errors_NameTheLayer()
    {
        var e = Assert.Throws<ArgumentException>(() => new MaxPooling1D(name: "mp1").Call(Tensor.Ones(2, 4, 4, 1)));
        Assert.Contains("MaxPooling1D 'mp1'", e.Message);
        Assert.Contains("rank 3", e.Message);
        e = Assert.Throws<ArgumentException>(() => new AveragePooling1D(5, name: "ap1").Call(Tensor.Ones(2, 4, 1)));
        Assert.Contains("ap1", e.Message);
        Assert.Contains("shorter than the pool size 5", e.Message);
        e = Assert.Throws<ArgumentException>(() => new GlobalMaxPooling2D(name: "gmp").Call(Tensor.Ones(2, 4, 1)));
        Assert.Contains("gmp", e.Message);
        e = Assert.Throws<ArgumentException>(() => new GlobalMaxPooling1D(name: "gmp1").Call(Tensor.Ones(2, 0, 3)));
        Assert.Contains("gmp1", e.Message);
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void RandomShapes_OnlyNamedErrors()
    {
        var rng = new Random(45);
        Func<Layer>[] layers =
        [
            () => new MaxPooling1D(2), () => new AveragePooling1D(3, 1, "same"), () => new GlobalMaxPooling1D(), () => new GlobalMaxPooling2D(true),
            () => new GlobalAveragePooling1D(true), () => new GlobalAveragePooling2D(),
        ];
        for (int i = 0; i < 30; i++)
        {
            var layer = layers[rng.Next(layers.Length)]();
            var shape = Enumerable.Range(0, rng.Next(2, 6)).Select(_ => rng.Next(0, 5)).ToArray();
            LayerFuzz.OnlyNamedErrors(layer, Uniform(i, -1, 1, shape), training: true, rng, $"{layer.GetType().Name} on {string.Join("x", shape)}");
        }
    }
}

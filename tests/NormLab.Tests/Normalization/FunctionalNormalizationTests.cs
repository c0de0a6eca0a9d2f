using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Normalization;

/// The public functional normalization ops: the same values as the layers (which share their kernels),
/// Moments against a double-precision two-pass computation, finite-difference gradients, named errors.
public class FunctionalNormalizationTests
{
    static Tensor Rand(int seed, params int[] shape) => GradCheck.Uniform(seed, -2, 2, shape);

    public static TheoryData<int[], bool> MomentAxes => new()
    {
        { new[] { 0 }, false }, { new[] { 0, 1, 2 }, true }, { new[] { 1, 3 }, false }, { new[] { -1 }, true },
        { new[] { 0, 2 }, false }, // alternating: the transposed path
    };

    [Theory]
    [MemberData(nameof(MomentAxes))]
    public void MomentsMatchATwoPassDoubleComputation(int[] axes, bool keepDims)
    {
        var x = Rand(1, 3, 4, 2, 5);
        var (mean, variance) = Ops.Moments(x, axes, keepDims);
        var reduced = axes.Select(a => a < 0 ? a + 4 : a).ToHashSet();
        var kept = Enumerable.Range(0, 4).Where(d => !reduced.Contains(d)).ToArray();
        var expectedShape = keepDims ? Enumerable.Range(0, 4).Select(d => reduced.Contains(d) ? 1 : x.Dims[d]).ToArray() : kept.Select(d => x.Dims[d]).ToArray();
        Assert.Equal(expectedShape, mean.Dims.ToArray());
        Assert.Equal(expectedShape, variance.Dims.ToArray());
        // Group every element by its kept coordinates, in row-major order of the kept axes.
        var groups = new Dictionary<long, List<double>>();
        var strides = new[] { 4 * 2 * 5, 2 * 5, 5, 1 };
        for (int flat = 0; flat < x.Size; flat++)
        {
            long key = 0;
            foreach (int d in kept) key = key * x.Dims[d] + flat / strides[d] % x.Dims[d];
            (groups.TryGetValue(key, out var list) ? list : groups[key] = []).Add(x.Data[flat]);
        }
        foreach (var (key, values) in groups)
        {
            double m = values.Average(), v = values.Sum(e => (e - m) * (e - m)) / values.Count;
            Assert.True(Math.Abs(m - mean.Data[key]) <= 1e-5 && Math.Abs(v - variance.Data[key]) <= 1e-5,
                $"group {key}: mean {mean.Data[key]} vs {m}, variance {variance.Data[key]} vs {v}");
        }
    }

    [Theory]
    [MemberData(nameof(MomentAxes))]
    public void MomentsGradientsMatchFiniteDifferences(int[] axes, bool keepDims)
    {
        var x = Rand(2, 3, 4, 2, 5);
        GradCheck.Check(inputs =>
        {
            var (mean, variance) = Ops.Moments(inputs[0], axes, keepDims);
            return Ops.Concat([Ops.Reshape(mean, -1), Ops.Reshape(variance, -1)], 0);
        }, [x]);
    }

    [Fact]
    public void BatchNormalizationEqualsTheLayerInInference()
    {
        var x = Rand(3, 4, 3, 3, 6);
        Tensor mean = Rand(4, 6), variance = Ops.Affine(Ops.Abs(Rand(5, 6)), 1, 0.1), gamma = Rand(6, 6), beta = Rand(7, 6);
        var layer = new BatchNormalization(epsilon: 1e-3);
        layer.Build(x.Shape);
        layer.SetWeights([gamma, beta, mean, variance]);
        var expected = layer.Call(x).ToArray();
        var fast = Ops.BatchNormalization(x, mean, variance, axis: -1, offset: beta, scale: gamma);
        AssertClose(expected, fast.ToArray());
        // With gradients on the statistics the op composes broadcasting ops; the values agree.
        mean.RequiresGrad = true;
        AssertClose(expected, Ops.BatchNormalization(x, mean, variance, axis: -1, offset: beta, scale: gamma).ToArray());
    }

    [Fact]
    public void BatchNormalizationGradientsMatchFiniteDifferences()
    {
        var x = Rand(8, 3, 4, 2);
        Tensor mean = Rand(9, 4), variance = Ops.Affine(Ops.Abs(Rand(10, 4)), 1, 0.5), gamma = Rand(11, 4), beta = Rand(12, 4);
        GradCheck.Check(t => Ops.BatchNormalization(t[0], t[1], t[2], axis: 1, offset: t[3], scale: t[4]), [x, mean, variance, beta, gamma]);
        // The kernel path (statistics without gradients): x, offset and scale.
        var (m, v) = (Rand(9, 4), Ops.Affine(Ops.Abs(Rand(10, 4)), 1, 0.5));
        GradCheck.Check(t => Ops.BatchNormalization(t[0], m, v, axis: 1, offset: t[1], scale: t[2]), [Rand(13, 3, 4, 2), Rand(14, 4), Rand(15, 4)]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LayerNormalizationEqualsTheLayer(bool rmsScaling)
    {
        var x = Rand(16, 2, 3, 4);
        var layer = new LayerNormalization(axis: new[] { 1, 2 }, rmsScaling: rmsScaling);
        layer.Build(x.Shape);
        var weights = layer.Weights.Select((w, i) => Rand(17 + i, w.Dims.ToArray())).ToArray();
        layer.SetWeights(weights);
        var y = Ops.LayerNormalization(x, weights[0], rmsScaling ? null : weights[1], axes: [1, 2], rmsScaling: rmsScaling);
        AssertClose(layer.Call(x).ToArray(), y.ToArray());
        GradCheck.Check(t => Ops.LayerNormalization(t[0], t[1], rmsScaling ? null : t[2], axes: [1, 2], rmsScaling: rmsScaling),
            [Rand(19, 2, 3, 4), Rand(20, 3, 4), Rand(21, 3, 4)]);
    }

    [Fact]
    public void RmsNormalizationEqualsTheLayer()
    {
        var x = Rand(22, 3, 5, 8);
        var layer = new RMSNormalization(epsilon: 1e-6);
        layer.Build(x.Shape);
        var scale = Rand(23, 8);
        layer.SetWeights([scale]);
        AssertClose(layer.Call(x).ToArray(), Ops.RmsNormalization(x, scale, epsilon: 1e-6).ToArray());
        GradCheck.Check(t => Ops.RmsNormalization(t[0], t[1]), [Rand(24, 3, 5, 8), Rand(25, 8)]);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    public void GroupNormalizationEqualsTheLayer(int axis)
    {
        var x = axis == -1 ? Rand(26, 2, 3, 3, 8) : Rand(26, 2, 8, 3, 3);
        var layer = new GroupNormalization(groups: 4, axis: axis);
        layer.Build(x.Shape);
        Tensor gamma = Rand(27, 8), beta = Rand(28, 8);
        layer.SetWeights([gamma, beta]);
        AssertClose(layer.Call(x).ToArray(), Ops.GroupNormalization(x, 4, gamma, beta, axis).ToArray());
        GradCheck.Check(t => Ops.GroupNormalization(t[0], 4, t[1], t[2], axis), [x, gamma, beta]);
    }

    [Fact]
    public void BadArgumentsAreNamed()
    {
        var x = Rand(29, 2, 6);
        Assert.Contains("Ops.Moments: axis 2 is out of range", Assert.Throws<ArgumentException>(() => Ops.Moments(x, [2])).Message);
        Assert.Contains("duplicate axes", Assert.Throws<ArgumentException>(() => Ops.Moments(x, [1, -1])).Message);
        Assert.Contains("Ops.BatchNormalization: variance must have shape", Assert.Throws<ArgumentException>(
            () => Ops.BatchNormalization(x, Tensor.Zeros(6), Tensor.Ones(5), axis: 1)).Message);
        Assert.Contains("epsilon must be positive", Assert.Throws<ArgumentException>(() => Ops.LayerNormalization(x, epsilon: 0)).Message);
        Assert.Contains("Ops.LayerNormalization: gamma must have shape", Assert.Throws<ArgumentException>(
            () => Ops.LayerNormalization(x, gamma: Tensor.Ones(2, 6))).Message);
        Assert.Contains("Ops.GroupNormalization: groups (4) must divide the 6 channels", Assert.Throws<ArgumentException>(
            () => Ops.GroupNormalization(x, 4)).Message);
        Assert.Contains("batch axis", Assert.Throws<ArgumentException>(() => Ops.GroupNormalization(x, 2, axis: 0)).Message);
    }

    static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 + 1e-5 * Math.Abs(expected[i]), $"[{i}] {actual[i]} vs {expected[i]}");
    }
}

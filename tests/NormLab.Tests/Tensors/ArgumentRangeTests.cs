using Xunit;

namespace NormLab.Tests.Tensors;

/// Ranges given the wrong way round are refused by name, not answered from deep inside a loop.
public class ArgumentRangeTests
{
    [Theory]
    [InlineData(2.0, 1.0)]
    [InlineData(double.NaN, 1.0)]
    public void ClipNamesReversedBounds(double min, double max)
    {
        var e = Assert.Throws<ArgumentException>(() => Ops.Clip(Tensor.Ones(2, 2), min, max));
        Assert.Contains("Ops.Clip: min", e.Message);
    }

    [Fact]
    public void ClipWithEqualBoundsGivesThatValue() =>
        Assert.All(Ops.Clip(Tensor.FromArray([-3f, 0f, 5f], 3), 1, 1).ToArray(), v => Assert.Equal(1f, v));

    [Theory]
    [InlineData(1.0, 0.0)]
    [InlineData(0.0, double.PositiveInfinity)]
    public void RandUniformNamesBadBounds(double low, double high)
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.RandUniform([3], low, high));
        Assert.Contains("Tensor.RandUniform: low", e.Message);
    }

    [Fact]
    public void NextIntNamesReversedBounds()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => NormLabRandom.NextInt(5, 2));
        Assert.Contains("NormLabRandom.NextInt", e.Message);
        Assert.Equal(3, NormLabRandom.NextInt(3, 3)); // an empty range gives its bound, as Random.Next
    }
}

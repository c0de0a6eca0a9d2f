using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Normalization;

/// <summary>Constructor arguments that would give NaN outputs or NaN moving statistics are refused, naming the layer, the argument and the value.</summary>
public class HyperparameterValidationTests
{
    public static TheoryData<string, double> BadEpsilons()
    {
        var data = new TheoryData<string, double>();
        foreach (var kind in new[] { "bn", "ln", "gn", "rms", "ws" })
            foreach (double epsilon in new[] { -1, 0, double.NaN, double.PositiveInfinity })
                data.Add(kind, epsilon);
        return data;
    }

    [Theory]
    [MemberData(nameof(BadEpsilons))]
    public void EpsilonMustBePositiveAndFinite(string kind, double epsilon)
    {
        Func<Layer> make = kind switch
        {
            "bn" => () => new BatchNormalization(epsilon: epsilon, name: "norm"),
            "ln" => () => new LayerNormalization(epsilon: epsilon, name: "norm"),
            "gn" => () => new GroupNormalization(groups: 2, epsilon: epsilon, name: "norm"),
            "ws" => () => new WeightStandardization(new Conv2D(2, 3), epsilon: epsilon, name: "norm"),
            _ => () => new RMSNormalization(epsilon: epsilon, name: "norm"),
        };
        var ex = Assert.Throws<ArgumentException>(make);
        Assert.Contains("'norm'", ex.Message);
        Assert.Contains($"epsilon={epsilon}", ex.Message);
    }

    [Theory]
    [InlineData(1.5)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void BatchNormalizationMomentumMustBeInZeroOne(double momentum)
    {
        var ex = Assert.Throws<ArgumentException>(() => new BatchNormalization(momentum: momentum, name: "bn"));
        Assert.Contains("'bn'", ex.Message);
        Assert.Contains($"momentum={momentum}", ex.Message);
        Assert.Throws<ArgumentException>(() => new BatchNormalization(renorm: true, renormMomentum: momentum));
    }

    [Fact]
    public void TheBoundsThemselvesAreAccepted()
    {
        Assert.Equal(0, new BatchNormalization(momentum: 0).Momentum);
        Assert.Equal(1, new BatchNormalization(momentum: 1).Momentum);
        Assert.Equal(1e-12, new LayerNormalization(epsilon: 1e-12).Epsilon);
    }
}

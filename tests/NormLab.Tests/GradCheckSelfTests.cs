using NormLab.Autograd;
using Xunit;
using Xunit.Sdk;

namespace NormLab.Tests;

/// <summary>The checker itself: it must fail on a wrong backward rule and pass on a right one.</summary>
public class GradCheckSelfTests
{
    private static Tensor Cube(Tensor x, double derivativeFactor)
    {
        var y = Ops.Map(x, v => v * v * v);
        return Tape.Record(y, [x], g => [Ops.Mul(g, Ops.Map(x, v => (float)(derivativeFactor * v * v)))]);
    }

    [Fact]
    public void Passes_OnACorrectRule()
    {
        var report = GradCheck.Check(t => Cube(t[0], 3), [GradCheck.Uniform(1, -1, 1, 3, 4)]);
        Assert.Equal(12, report.Checked);
        Assert.True(report.Ratio < 1);
    }

    [Fact]
    public void Fails_OnAWrongRule_NamingTheWorstElement()
    {
        var e = Assert.Throws<XunitException>(() => GradCheck.Check(t => Cube(t[0], 2.9), [GradCheck.Uniform(1, -1, 1, 3, 4)], what: "cube"));
        Assert.Contains("cube", e.Message);
        Assert.Contains("worst element input0[", e.Message);
    }

    [Fact]
    public void Fails_WhenAGradientIsMissing()
    {
        // Gradient only for the first input: the second gets zeros, the numeric derivative is not zero.
        Assert.Throws<XunitException>(() => GradCheck.Check(
            t => Tape.Record(Ops.Map(Ops.Mul(t[0], t[1]), v => v), [t[0], t[1]], g => [Ops.Mul(g, t[1]), null]),
            [GradCheck.Uniform(2, 0.5, 1, 2, 2), GradCheck.Uniform(3, 0.5, 1, 2, 2)]));
    }
}

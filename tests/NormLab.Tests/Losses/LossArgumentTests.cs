using NormLab.Losses;
using Xunit;

namespace NormLab.Tests.Losses;

/// <summary>Bad arguments name the loss, the argument and the value; every Keras name resolves.</summary>
public class LossArgumentTests
{
    public static TheoryData<Func<Loss>, string, string> BadArguments => new()
    {
        { () => new Huber(delta: 0), "Huber", "delta" },
        { () => new Huber(delta: double.NaN), "Huber", "delta" },
        { () => new CategoricalCrossentropy(labelSmoothing: 1.5), "CategoricalCrossentropy", "labelSmoothing" },
        { () => new BinaryCrossentropy(labelSmoothing: -0.1), "BinaryCrossentropy", "labelSmoothing" },
        { () => new BinaryFocalCrossentropy(gamma: -1), "BinaryFocalCrossentropy", "gamma" },
        { () => new BinaryFocalCrossentropy(alpha: 2), "BinaryFocalCrossentropy", "alpha" },
        { () => new CategoricalFocalCrossentropy(gamma: double.PositiveInfinity), "CategoricalFocalCrossentropy", "gamma" },
        { () => new CategoricalFocalCrossentropy(labelSmoothing: 2), "CategoricalFocalCrossentropy", "labelSmoothing" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void BadArgument_NamesClassArgumentAndValue(Func<Loss> create, string owner, string argument)
    {
        var error = Assert.Throws<ArgumentException>(create);
        Assert.Contains(owner, error.Message);
        Assert.Contains(argument, error.Message);
        Assert.Contains("received", error.Message);
    }

    [Fact]
    public void BadSampleWeight_NamesShapes()
    {
        var loss = new Huber();
        var error = Assert.Throws<ArgumentException>(() => loss.Compute(Tensor.Zeros(4, 2), Tensor.Ones(4, 2), Tensor.Ones(3)));
        Assert.Contains("Huber", error.Message);
        Assert.Contains("sampleWeight", error.Message);
        Assert.Contains("(3,)", error.Message);
        Assert.Throws<ArgumentException>(() => loss.Compute(Tensor.Zeros(2, 2), Tensor.Ones(2, 2), Tensor.FromArray([1f, -1f], 2)));
    }

    [Fact]
    public void MismatchedShapes_NameBoth()
    {
        var error = Assert.Throws<ArgumentException>(() => new Poisson().Compute(Tensor.Zeros(4, 3), Tensor.Ones(4, 2)));
        Assert.Contains("Poisson", error.Message);
        Assert.Contains("(4, 3)", error.Message);
    }

    [Theory]
    [InlineData("huber", typeof(Huber))]
    [InlineData("huber_loss", typeof(Huber))]
    [InlineData("log_cosh", typeof(LogCosh))]
    [InlineData("kl_divergence", typeof(KLDivergence))]
    [InlineData("kld", typeof(KLDivergence))]
    [InlineData("poisson", typeof(Poisson))]
    [InlineData("hinge", typeof(Hinge))]
    [InlineData("squared_hinge", typeof(SquaredHinge))]
    [InlineData("categorical_hinge", typeof(CategoricalHinge))]
    [InlineData("cosine_similarity", typeof(CosineSimilarity))]
    [InlineData("binary_focal_crossentropy", typeof(BinaryFocalCrossentropy))]
    [InlineData("categorical_focal_crossentropy", typeof(CategoricalFocalCrossentropy))]
    public void Get_ResolvesKerasNames_AndNameRoundTrips(string name, Type type)
    {
        var loss = Loss.Get(name);
        Assert.IsType(type, loss);
        Assert.IsType(type, Loss.Get(loss.Name));
    }
}

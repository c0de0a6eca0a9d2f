using NormLab.Examples;
using Xunit;

namespace NormLab.Tests.Examples;

/// <summary>Each example in examples/ runs one short epoch and reports a finite loss.</summary>
public class ExamplesTests
{
    public static TheoryData<string> Names => new(ExampleCatalog.All.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void RunsOneShortEpoch(string name)
    {
        NormLabRandom.SetSeed(7);
        var history = ExampleCatalog.All[name](64, 1, 0);
        Assert.Equal(1, history.Epochs);
        Assert.True(double.IsFinite(history["loss"][0]), $"{name}: loss {history["loss"][0]}");
        Assert.InRange(history["accuracy"][0], 0, 1);
    }
}

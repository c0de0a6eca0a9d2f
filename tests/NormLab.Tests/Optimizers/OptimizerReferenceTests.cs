using System.Text.Json.Nodes;
using NormLab.Optimizers;
using NormLab.Tests.Normalization;
using Xunit;

namespace NormLab.Tests.Optimizers;

/// <summary>
/// Every optimizer, and the base optimizer's clipping, weight decay, EMA and schedules, against
/// tests/reference/make_optimizer_fixtures.py (Keras 3's formulas in NumPy, checked against torch.optim where equal):
/// four steps on three weights from fixed gradients.
/// </summary>
public class OptimizerReferenceTests
{
    public static TheoryData<string> Cases => new(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "optim"), "opt_*.json")
        .Select(Path.GetFileNameWithoutExtension).Order()!);

    [Theory]
    [MemberData(nameof(Cases))]
    public void FourSteps_MatchReference(string name)
    {
        var fixture = NormFixture.Load(name, "optim");
        var optimizer = Optimizer.FromConfig(fixture.Config["optimizer"]);
        int count = fixture.Config["weights"]!.GetValue<int>(), steps = fixture.Config["steps"]!.GetValue<int>();
        var weights = Enumerable.Range(0, count).Select(i => fixture.T($"w0_{i}", requiresGrad: true)).ToArray();
        for (int t = 1; t <= steps; t++)
        {
            for (int i = 0; i < count; i++) weights[i].Grad = fixture.T($"g{t}_{i}");
            optimizer.Apply(weights);
            for (int i = 0; i < count; i++) NormFixture.AssertClose(fixture.T($"w{t}_{i}"), weights[i], $"{name} step {t} weight {i}", rtol: 2e-5, atol: 2e-6);
        }
        Assert.Equal(steps, optimizer.Iterations);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Config_RoundTripsEveryHyperparameter(string name)
    {
        var saved = NormFixture.Load(name, "optim").Config["optimizer"]!;
        var config = Optimizer.FromConfig(saved).GetConfig();
        Assert.True(JsonNode.DeepEquals(saved, config), $"{name}: wrote {config.ToJsonString()} for {saved.ToJsonString()}");
    }
}

using System.Text.Json.Nodes;
using NormLab.Optimizers;
using NormLab.Optimizers.Schedules;
using NormLab.Tests.Normalization;
using Xunit;

namespace NormLab.Tests.Optimizers;

/// <summary>The learning-rate schedules against tests/reference/make_optimizer_fixtures.py (Keras 3's formulas,
/// checked against torch.optim.lr_scheduler where equal), and how an optimizer uses one.</summary>
public class ScheduleReferenceTests
{
    public static TheoryData<string> Cases => new(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "optim"), "sched_*.json")
        .Select(Path.GetFileNameWithoutExtension).Order()!);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Rates_MatchReference(string name)
    {
        var fixture = NormFixture.Load(name, "optim");
        var schedule = LearningRateSchedule.FromConfig(fixture.Config["schedule"]);
        var steps = fixture.T("steps").ToArray();
        var expected = fixture.T("lr").ToArray();
        for (int i = 0; i < steps.Length; i++)
            Assert.True(Math.Abs(schedule.Call((long)steps[i]) - expected[i]) <= 1e-7 * Math.Abs(expected[i]) + 1e-12,
                $"{name} at step {steps[i]}: expected {expected[i]}, got {schedule.Call((long)steps[i])}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Config_RoundTrips(string name)
    {
        var saved = NormFixture.Load(name, "optim").Config["schedule"]!;
        var config = LearningRateSchedule.FromConfig(saved).GetConfig();
        Assert.True(JsonNode.DeepEquals(saved, config), $"{name}: wrote {config.ToJsonString()} for {saved.ToJsonString()}");
    }

    [Fact]
    public void Optimizer_EvaluatesSchedule_AtItsIterationCount()
    {
        var schedule = new ExponentialDecay(0.1, decaySteps: 1, decayRate: 0.5);
        var sgd = new SGD(learningRate: schedule);
        var w = Tensor.FromArray([1f], 1);
        w.RequiresGrad = true;
        Assert.Same(schedule, sgd.Schedule);
        Assert.Equal(0.1, sgd.LearningRate, 12);
        for (int step = 0; step < 3; step++)
        {
            w.Grad = Tensor.FromArray([1f], 1);
            float before = w.ToArray()[0];
            sgd.Apply([w]);
            // The step used the rate at the iteration count before it: 0.1, 0.05, 0.025.
            Assert.Equal(0.1 * Math.Pow(0.5, step), before - w.ToArray()[0], 6);
        }
        Assert.Equal(0.1 * Math.Pow(0.5, 3), sgd.LearningRate, 12);
    }

    [Fact]
    public void SettingLearningRate_OfScheduleDrivenOptimizer_Throws_AsKeras()
    {
        var adam = new Adam(learningRate: new CosineDecay(0.01, decaySteps: 100));
        var e = Assert.Throws<InvalidOperationException>(() => adam.LearningRate = 0.5);
        Assert.Contains("Adam", e.Message);
        Assert.Contains("CosineDecay", e.Message);
        Assert.Contains("0.5", e.Message);
        Assert.Equal(0.01, adam.LearningRate, 12);
        // A number given as learningRate stays settable (callbacks such as ReduceLROnPlateau rely on it).
        var fixedRate = new Adam(learningRate: 0.01) { LearningRate = 0.002 };
        Assert.Null(fixedRate.Schedule);
        Assert.Equal(0.002, fixedRate.LearningRate);
    }

    public static TheoryData<string, string, Func<LearningRateSchedule>> BadArguments => new()
    {
        { "ExponentialDecay", "decaySteps", () => new ExponentialDecay(0.1, decaySteps: 0, decayRate: 0.5) },
        { "ExponentialDecay", "initialLearningRate", () => new ExponentialDecay(-0.1, decaySteps: 10, decayRate: 0.5) },
        { "InverseTimeDecay", "decayRate", () => new InverseTimeDecay(0.1, decaySteps: 10, decayRate: double.NaN) },
        { "PolynomialDecay", "power", () => new PolynomialDecay(0.1, decaySteps: 10, power: 0) },
        { "PolynomialDecay", "endLearningRate", () => new PolynomialDecay(0.1, decaySteps: 10, endLearningRate: -1) },
        { "CosineDecay", "alpha", () => new CosineDecay(0.1, decaySteps: 10, alpha: 1.5) },
        { "CosineDecay", "warmupTarget", () => new CosineDecay(0, decaySteps: 10, warmupTarget: 0, warmupSteps: 5) },
        { "CosineDecayRestarts", "tMul", () => new CosineDecayRestarts(0.1, firstDecaySteps: 10, tMul: 0) },
        { "PiecewiseConstantDecay", "one more entry", () => new PiecewiseConstantDecay([10, 20], [0.1, 0.01]) },
        { "PiecewiseConstantDecay", "strictly increasing", () => new PiecewiseConstantDecay([20, 10], [0.1, 0.01, 0.001]) },
        { "PiecewiseConstantDecay", "values", () => new PiecewiseConstantDecay([10], [0.1, -0.01]) },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void BadArguments_NameClassAndArgument(string schedule, string argument, Func<LearningRateSchedule> create)
    {
        var e = Assert.Throws<ArgumentException>(create);
        Assert.Contains(schedule, e.Message);
        Assert.Contains(argument, e.Message);
        Assert.Contains("received", e.Message);
    }

    [Fact]
    public void UnknownScheduleInConfig_ListsTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => LearningRateSchedule.FromConfig(JsonNode.Parse("""{"class_name": "OneCycle", "config": {}}""")));
        Assert.Contains("OneCycle", e.Message);
        Assert.Contains("CosineDecayRestarts", e.Message);
    }
}

using NormLab.Layers;
using NormLab.Losses;
using NormLab.Metrics;
using NormLab.Saving;
using Xunit;

namespace NormLab.Tests.Saving;

/// <summary>User losses and metrics in the compile settings: registered ones load by themselves, others through customObjects.</summary>
public sealed class CustomObjectsTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), $"normlab-custom-{Guid.NewGuid():N}");

    public CustomObjectsTests() => Directory.CreateDirectory(directory);

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void CustomLossAndMetric_SaveAndLoad_EvaluateIdentically()
    {
        NormLabRandom.SetSeed(61);
        var model = new Sequential([new Dense(2, inputShape: [3])]);
        model.Compile(optimizer: "sgd", loss: new MeanCubicError(), metrics: [new MaxError()]);
        var (x, y) = (Tensor.RandN(16, 3), Tensor.RandN(16, 2));
        model.Fit(x, y, epochs: 1, batchSize: 8, verbose: 0);
        string path = Path.Combine(directory, "custom.normlab");
        model.Save(path);

        var e = Assert.Throws<FormatException>(() => Model.Load(path));
        Assert.Contains("'MaxError'", e.Message);
        Assert.Contains("customObjects", e.Message);

        var loaded = Model.Load(path, customObjects: new Dictionary<string, Type> { ["MaxError"] = typeof(MaxError) });
        Assert.IsType<MeanCubicError>(loaded.Loss);   // registered: found without customObjects
        var expected = model.Evaluate(x, y);
        var actual = loaded.Evaluate(x, y);
        Assert.Equal(["loss", "max_error"], actual.Keys);
        foreach (var key in expected.Keys) Assert.Equal(expected[key], actual[key], 1e-6);
    }

    [RegisterSerializable(package: "NormLabTests")]
    public sealed class MeanCubicError : Loss
    {
        public override Tensor Call(Tensor yTrue, Tensor yPred) =>
            Ops.Mean(Ops.Abs(Ops.Mul(Ops.Square(Ops.Sub(yPred, yTrue)), Ops.Sub(yPred, yTrue))), [1]);
    }

    public sealed class MaxError : Metric
    {
        private double max;

        public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null) =>
            max = Math.Max(max, Ops.Abs(Ops.Sub(yPred, yTrue)).ToArray().Max());

        public override double Result() => max;

        public override void ResetState() => max = 0;
    }
}

using System.Text.Json;
using NormLab.Optimizers;
using Xunit;

namespace NormLab.Tests.Onnx;

/// <summary>
/// Models exported by torch.onnx.export (tests/reference/make_onnx_models.py): the imported model
/// reproduces PyTorch's output within 1e-5 of its scale, and one SGD step on it moves the training
/// loss as PyTorch's step did.
/// </summary>
public class OnnxImportTorchTests
{
    public static TheoryData<string> TorchCases() => new(["cnn", "resnet", "sequence_mlp", "lstm", "gru", "transformer_mlp", "group_norm", "group_norm_per_group", "gelu", "padded_cnn", "transformer", "transformer_norm_first",
        "lstm_bidirectional", "gru_bidirectional"]);

    /// <summary>
    /// Output only: an LSTM with biases. PyTorch has two bias vectors (b_ih, b_hh) where the imported
    /// Keras-layout LSTM has their sum, so an SGD step moves PyTorch's effective bias twice as far.
    /// </summary>
    public static TheoryData<string> OutputOnlyCases() => new(["lstm_bias"]);

    [Theory]
    [MemberData(nameof(TorchCases))]
    [MemberData(nameof(OutputOnlyCases))]
    public void ImportReproducesPyTorchOutput(string name)
    {
        var (model, fixture) = Load(name);
        var y = model.Predict(ChannelsLast(fixture.Tensor("x")));
        Assert.Equal(fixture.Tensor("y").Shape, y.Shape);
        OnnxImportAssert.Close(fixture.Tensor("y").ToArray(), y.ToArray(), 1e-5, name);
    }

    [Theory]
    [MemberData(nameof(TorchCases))]
    public void OneTrainingStepMatchesPyTorch(string name)
    {
        var (model, fixture) = Load(name);
        var x = ChannelsLast(fixture.Tensor("x"));
        var target = fixture.Tensor("target");
        Assert.NotEmpty(model.TrainableWeights);
        model.Compile(optimizer: new SGD(fixture.Lr), loss: "mse");
        var history = model.Fit(x, target, epochs: 1, batchSize: x.Shape[0], shuffle: false, verbose: 0);
        // Fit reports the loss of the batch before its step; after the step, training mode again (batch statistics).
        double before = history["loss"][0], after = TrainingLoss(model, x, target);
        Assert.True(Math.Abs(before - fixture.LossBefore) <= 1e-5 * Math.Max(1, fixture.LossBefore), $"{name}: loss before {before} vs PyTorch {fixture.LossBefore}");
        Assert.True(Math.Abs(after - fixture.LossAfter) <= 1e-4 * Math.Max(1, fixture.LossAfter), $"{name}: loss after one step {after} vs PyTorch {fixture.LossAfter}");
        Assert.NotEqual(fixture.LossBefore, fixture.LossAfter);
    }

    [Theory]
    [InlineData("resnet")]
    [InlineData("lstm_bias")]
    [InlineData("gru")]
    [InlineData("transformer_mlp")]
    [InlineData("transformer")]
    [InlineData("lstm_bidirectional")]
    [InlineData("gru_bidirectional")]
    public void ImportedModelSavesAndLoads(string name)
    {
        var (model, fixture) = Load(name);
        var x = ChannelsLast(fixture.Tensor("x"));
        var path = Path.Combine(Path.GetTempPath(), $"normlab-import-{name}-{Environment.ProcessId}.normlab");
        try
        {
            model.Save(path);
            var loaded = Model.Load(path);
            Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        }
        finally { File.Delete(path); }
    }

    private static double TrainingLoss(Model model, Tensor x, Tensor target)
    {
        using var _ = NormLab.Autograd.Tape.NoGrad();
        var y = model.Call(x, training: true).ToArray();
        var t = target.ToArray();
        return y.Zip(t, (a, b) => (double)(a - b) * (a - b)).Average();
    }

    /// <summary>An image batch from PyTorch's NCHW to NormLab's NHWC; other ranks as they are.</summary>
    internal static Tensor ChannelsLast(Tensor x) => x.Rank == 4 ? Ops.Transpose(x, 0, 2, 3, 1) : x;

    private static (Model Model, TorchFixture Fixture) Load(string name)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "Fixtures", "onnx");
        return (Model.ImportOnnx(Path.Combine(directory, name + ".onnx")), new TorchFixture(Path.Combine(directory, name + ".json")));
    }

    private sealed class TorchFixture
    {
        private readonly JsonElement root;

        internal TorchFixture(string path) => root = JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone();

        internal double Lr => root.GetProperty("config").GetProperty("lr").GetDouble();
        internal double LossBefore => Tensor("loss_before").ToArray()[0];
        internal double LossAfter => Tensor("loss_after").ToArray()[0];

        internal Tensor Tensor(string name)
        {
            var t = root.GetProperty("tensors").GetProperty(name);
            var shape = t.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            return NormLab.Tensor.FromArray(t.GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray(), shape);
        }
    }
}

/// <summary>The comparison every import test makes: max absolute difference within tol times the expected output's scale.</summary>
internal static class OnnxImportAssert
{
    internal static void Close(float[] expected, float[] actual, double tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(1e-3, expected.Max(v => Math.Abs(v)));
        double worst = expected.Zip(actual, (a, b) => Math.Abs((double)a - b)).DefaultIfEmpty(0).Max();
        Assert.True(worst <= tol * scale, $"{what}: max |NormLab - expected| = {worst:G3} > {tol} x {scale:G3}");
    }
}

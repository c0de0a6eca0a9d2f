using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Lab;

/// `normlab export` and `normlab import`: a saved model goes to ONNX and back with the same predictions.
[Collection("console")]
public sealed class OnnxCommandTests() : TemporaryFolderTests("normlab-onnx-cli-")
{
    [Fact]
    public void ExportThenImportKeepsThePredictions()
    {
        NormLabRandom.SetSeed(7);
        var model = new Sequential([new Conv2D(4, 3, padding: "same", inputShape: [6, 6, 2]), new BatchNormalization(), new ReLU(),
            new GlobalAveragePooling2D(), new Dense(3, activation: "softmax")]);
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy");
        string saved = Path.Combine(dir, "model.normlab"), onnx = Path.Combine(dir, "model.onnx"), back = Path.Combine(dir, "back.normlab");
        model.Save(saved);

        var (code, output) = CommandLineChecksTests.Run("export", saved, onnx);
        Assert.True(code == 0, output);
        Assert.Contains("ONNX opset 17", output);
        (code, output) = CommandLineChecksTests.Run("import", onnx, back);
        Assert.True(code == 0, output);

        var x = Tensor.RandN(4, 6, 6, 2);
        var expected = model.Predict(x).ToArray();
        var actual = Model.Load(back).Predict(x).ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5, $"[{i}] {actual[i]} vs {expected[i]}");
    }

    [Fact]
    public void ExportNamesAMissingModelAndItsUsage()
    {
        var (code, output) = CommandLineChecksTests.Run("export", Path.Combine(dir, "missing.normlab"), Path.Combine(dir, "m.onnx"));
        Assert.NotEqual(0, code);
        Assert.Contains("missing.normlab", output);
        (code, output) = CommandLineChecksTests.Run("export", "--help");
        Assert.Equal(0, code);
        Assert.Contains("normlab export MODEL.normlab model.onnx", output);
    }
}

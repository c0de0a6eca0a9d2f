using NormLab.Layers;
using NormLab.Losses;
using Xunit;

namespace NormLab.Tests.Models;

/// <summary>Compile, Fit, Evaluate and Predict for models with several inputs and outputs, with Keras 3's log keys.</summary>
public class MultiOutputTrainingTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), $"normlab-multioutput-{Guid.NewGuid():N}");

    public MultiOutputTrainingTests() => Directory.CreateDirectory(directory);

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static (Model model, Tensor xa, Tensor xb, Tensor yCls, Tensor yReg) ContractModel(int samples)
    {
        var a = new Input([16], name: "a");
        var b = new Input([8], name: "b");
        var h = new Dense(32, activation: "relu", name: "dense").Call(new Concatenate().Call([a, b]));
        var cls = new Dense(3, activation: "softmax", name: "cls").Call(h);
        var reg = new Dense(1, name: "reg").Call(h);
        var model = new Model(inputs: [a, b], outputs: [cls, reg]);
        return (model, Tensor.RandN(samples, 16), Tensor.RandN(samples, 8), Tensor.RandInt(0, 3, samples), Tensor.RandN(samples, 1));
    }

    [Fact]
    public void ContractSnippet_HistoryEvaluatePredict()
    {
        NormLabRandom.SetSeed(51);
        var (model, xa, xb, yCls, yReg) = ContractModel(64);
        model.Compile(optimizer: "adam", loss: ["sparse_categorical_crossentropy", "mse"], lossWeights: [1.0, 0.5], metrics: [["accuracy"], []]);
        History hist = model.Fit([xa, xb], [yCls, yReg], epochs: 2, batchSize: 32, verbose: 0,
            validationData: ([xa, xb], [yCls, yReg]));
        Assert.Equal(["loss", "cls_loss", "reg_loss", "cls_accuracy", "val_loss", "val_cls_loss", "val_reg_loss", "val_cls_accuracy"], hist.Keys);
        Assert.Equal(2, hist.Epochs);

        Dictionary<string, double> scores = model.Evaluate([xa, xb], [yCls, yReg]);
        Assert.Equal(scores["cls_loss"] + 0.5 * scores["reg_loss"], scores["loss"], 1e-5);
        Assert.Equal(hist["val_loss"][1], scores["loss"], 1e-5);
        // Each output's loss is that output's own loss on its own targets.
        Tensor[] outs = model.Predict([xa, xb]);
        Assert.Equal([[64, 3], [64, 1]], outs.Select(o => o.Shape));
        Assert.Equal(new MeanSquaredError().Compute(yReg, outs[1]).Item(), scores["reg_loss"], 1e-5);
        Assert.Equal(new SparseCategoricalCrossentropy().Compute(yCls, outs[0]).Item(), scores["cls_loss"], 1e-4);
    }

    [Fact]
    public void LossWeights_ScaleOnlyTheirOutput_ZeroFreezesAHeadsGradient()
    {
        NormLabRandom.SetSeed(52);
        var (model, xa, xb, yCls, yReg) = ContractModel(32);
        model.Compile(optimizer: "sgd", loss: new Dictionary<string, Loss> { ["cls"] = "sparse_categorical_crossentropy", ["reg"] = "mse" },
            lossWeights: new Dictionary<string, double> { ["reg"] = 0.0 });
        var regBefore = model.GetLayer("reg").GetWeights();
        var clsBefore = model.GetLayer("cls").GetWeights();
        model.Fit([xa, xb], [yCls, yReg], epochs: 1, batchSize: 8, verbose: 0);
        Assert.Equal(regBefore.Select(w => w.ToArray()), model.GetLayer("reg").GetWeights().Select(w => w.ToArray()));
        Assert.NotEqual(clsBefore[0].ToArray(), model.GetLayer("cls").GetWeights()[0].ToArray());
    }

    [Fact]
    public void CompiledMultiOutputModel_SavesAndLoadsItsLossesWeightsAndMetrics()
    {
        NormLabRandom.SetSeed(53);
        var (model, xa, xb, yCls, yReg) = ContractModel(16);
        model.Compile(optimizer: "adam", loss: ["sparse_categorical_crossentropy", "mae"], lossWeights: [0.3, 2.0], metrics: [["accuracy"], ["mae"]]);
        model.Fit([xa, xb], [yCls, yReg], epochs: 1, batchSize: 8, verbose: 0);
        string path = Path.Combine(directory, "multi.normlab");
        model.Save(path);
        var loaded = Model.Load(path);
        var expected = model.Evaluate([xa, xb], [yCls, yReg]);
        var actual = loaded.Evaluate([xa, xb], [yCls, yReg]);
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var key in expected.Keys) Assert.Equal(expected[key], actual[key], 1e-6);
        Assert.Contains("reg_mae", actual.Keys);
    }

    [Fact]
    public void SingleLossOnSeveralOutputs_AppliesToEach_AndErrorsNameTheModel()
    {
        NormLabRandom.SetSeed(54);
        var (model, xa, xb, _, yReg) = ContractModel(8);
        model.Compile(optimizer: "adam", loss: "mse");
        var scores = model.Evaluate([xa, xb], [Tensor.RandN(8, 3), yReg]);
        Assert.Equal(scores["cls_loss"] + scores["reg_loss"], scores["loss"], 1e-5);

        var e = Assert.Throws<ArgumentException>(() => model.Compile(optimizer: "adam", loss: ["mse"]));
        Assert.Contains($"Model '{model.Name}': Compile's loss has 1 entries but the model has 2 outputs (cls, reg)", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Compile(optimizer: "adam", loss: new Dictionary<string, Loss> { ["cls"] = "mse", ["typo"] = "mse" }));
        Assert.Contains("'typo'", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Compile(optimizer: "adam", loss: "mse", metrics: ["mae"]));
        Assert.Contains("metrics per output", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Fit([xa], [yReg, yReg], verbose: 0));
        Assert.Contains("received 1 input arrays but the model has 2 inputs", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Fit([xa, xb], [yReg], verbose: 0));
        Assert.Contains("received 1 target arrays but the model has 2 outputs (cls, reg)", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Fit([xa, Tensor.RandN(7, 8)], [yReg, yReg], verbose: 0));
        Assert.Contains("(7, 8)", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Predict(xa));
        Assert.Contains("Predict([...])", e.Message);
    }
}

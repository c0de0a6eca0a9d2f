using System.IO.Compression;
using NormLab.Layers;
using NormLab.Optimizers;
using NormLab.Optimizers.Schedules;
using Xunit;

namespace NormLab.Tests.Optimizers;

/// <summary>
/// The optimizer in the model file: its class, hyperparameters, schedule and state (moments, iteration count)
/// survive Save/Load, so training resumed after Load ends on the same weights as training that never stopped.
/// </summary>
public sealed class OptimizerResumeTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), $"normlab-resume-{Guid.NewGuid():N}");

    public OptimizerResumeTests() => Directory.CreateDirectory(directory);

    public void Dispose() => Directory.Delete(directory, recursive: true);

    public static TheoryData<string, Func<Optimizer>> Optimizers => new()
    {
        { "SGD momentum", () => new SGD(learningRate: 0.05, momentum: 0.9, nesterov: true) },
        { "Adam", () => new Adam(learningRate: 0.01, beta1: 0.5, beta2: 0.99) },
        { "AdamW", () => new AdamW(learningRate: 0.01, weightDecay: 0.05) },
        { "RMSprop", () => new RMSprop(learningRate: 0.005, rho: 0.8, momentum: 0.5, centered: true) },
        { "Nadam", () => new Nadam(learningRate: 0.01) },
        { "Adagrad", () => new Adagrad(learningRate: 0.05, initialAccumulatorValue: 0.2) },
        { "Adadelta", () => new Adadelta(learningRate: 1.0, rho: 0.9) },
        { "Adamax", () => new Adamax(learningRate: 0.01) },
        { "Lion", () => new Lion(learningRate: 0.002, weightDecay: 0.1) },
        { "Adafactor", () => new Adafactor(learningRate: 0.05) },
        { "Adam with a schedule and clipnorm", () => new Adam(learningRate: new CosineDecay(0, decaySteps: 30, warmupTarget: 0.02, warmupSteps: 10), clipnorm: 0.5) },
        { "SGD with a piecewise schedule and global clipnorm", () => new SGD(learningRate: new PiecewiseConstantDecay([15, 30], [0.1, 0.05, 0.01]), momentum: 0.8, globalClipnorm: 1) },
        { "RMSprop with clipvalue", () => new RMSprop(learningRate: 0.01, clipvalue: 0.1) },
    };

    private static (Tensor x, Tensor y) Data()
    {
        NormLabRandom.SetSeed(11);
        return (Tensor.Rand(160, 6), Tensor.RandInt(0, 3, 160));
    }

    private static Sequential NewModel(Optimizer optimizer)
    {
        NormLabRandom.SetSeed(12);
        var model = new Sequential([
            new Dense(8, activation: "relu", inputShape: [6]),
            new BatchNormalization(),
            new Dense(3, activation: "softmax"),
        ]);
        model.Compile(optimizer: optimizer, loss: "sparse_categorical_crossentropy");
        return model;
    }

    private static double MaxDifference(Model a, Model b) =>
        a.Weights.Zip(b.Weights).Max(p => p.First.ToArray().Zip(p.Second.ToArray()).Max(v => Math.Abs(v.First - v.Second)));

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void ResumedAfterLoad_EqualsTrainingThatNeverStopped(string name, Func<Optimizer> optimizer)
    {
        var (x, y) = Data();
        // 20 steps per epoch (160 samples, batches of 8), no shuffling: both runs see the same batches.
        var uninterrupted = NewModel(optimizer());
        string start = Path.Combine(directory, "start.normlab");
        uninterrupted.Save(start);
        uninterrupted.Fit(x, y, epochs: 2, batchSize: 8, shuffle: false, verbose: 0);

        var first = Model.Load(start);
        first.Fit(x, y, epochs: 1, batchSize: 8, shuffle: false, verbose: 0);
        string middle = Path.Combine(directory, "middle.normlab");
        first.Save(middle);
        var resumed = Model.Load(middle);
        Assert.Equal(20, resumed.Optimizer!.Iterations);
        Assert.Equal(first.Optimizer!.GetConfig().ToJsonString(), resumed.Optimizer.GetConfig().ToJsonString());
        resumed.Fit(x, y, epochs: 1, batchSize: 8, shuffle: false, verbose: 0);

        Assert.Equal(40, resumed.Optimizer.Iterations);
        double difference = MaxDifference(uninterrupted, resumed);
        Assert.True(difference <= 1e-6, $"{name}: resumed training differs from uninterrupted training by {difference}.");
        // And the state mattered: a fresh optimizer from the same config ends elsewhere.
        var restarted = Model.Load(middle);
        restarted.Compile(optimizer: Optimizer.FromConfig(restarted.Optimizer!.GetConfig()), loss: "sparse_categorical_crossentropy");
        restarted.Fit(x, y, epochs: 1, batchSize: 8, shuffle: false, verbose: 0);
        Assert.True(MaxDifference(uninterrupted, restarted) > 1e-4, $"{name}: a restarted optimizer should not match.");
    }

    [Fact]
    public void MovingAverages_AreSavedWithTheOptimizer()
    {
        var (x, y) = Data();
        var model = NewModel(new Nadam(learningRate: 0.01, useEma: true, emaMomentum: 0.9, emaOverwriteFrequency: 7));
        model.Fit(x, y, epochs: 1, batchSize: 8, shuffle: false, verbose: 0);
        string path = Path.Combine(directory, "ema.normlab");
        model.Save(path);
        var loaded = Model.Load(path);
        model.Fit(x, y, epochs: 1, batchSize: 8, shuffle: false, verbose: 0);
        loaded.Fit(x, y, epochs: 1, batchSize: 8, shuffle: false, verbose: 0);
        Assert.True(MaxDifference(model, loaded) <= 1e-6);
    }

    [Fact]
    public void Load_KeepsEveryHyperparameter_NotJustTheLearningRate()
    {
        var (x, y) = Data();
        var model = NewModel(new SGD(learningRate: 0.02, momentum: 0.9, nesterov: true, weightDecay: 0.01, clipvalue: 0.3, useEma: true, emaMomentum: 0.5));
        model.Fit(x, y, epochs: 1, batchSize: 80, verbose: 0);
        string path = Path.Combine(directory, "sgd.normlab");
        model.Save(path);
        var config = Model.Load(path).Optimizer!.GetConfig();
        Assert.Equal("SGD", config["class_name"]!.GetValue<string>());
        var c = config["config"]!;
        Assert.Equal(0.9, c["momentum"]!.GetValue<double>());
        Assert.True(c["nesterov"]!.GetValue<bool>());
        Assert.Equal(0.01, c["weight_decay"]!.GetValue<double>());
        Assert.Equal(0.3, c["clipvalue"]!.GetValue<double>());
        Assert.True(c["use_ema"]!.GetValue<bool>());
        Assert.Equal(0.5, c["ema_momentum"]!.GetValue<double>());
    }

    [Fact]
    public void OldFile_WithOptimizerNameAndLearningRateOnly_StillLoads()
    {
        var (x, y) = Data();
        var model = NewModel(new Adam(learningRate: 0.003));
        model.Fit(x, y, epochs: 1, batchSize: 80, verbose: 0);
        string path = Path.Combine(directory, "old.normlab");
        model.Save(path);
        // Rewrite the file as NormLab wrote it before optimizer configs and state were saved.
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry("config.json")!;
            string json;
            using (var reader = new StreamReader(entry.Open())) json = reader.ReadToEnd();
            var root = System.Text.Json.Nodes.JsonNode.Parse(json)!;
            root["compile"]!["optimizer"] = "adam";
            root["compile"]!["learning_rate"] = 0.003;
            entry.Delete();
            zip.GetEntry("optimizer.json")!.Delete();
            zip.GetEntry("optimizer.weights.safetensors")!.Delete();
            using var writer = new StreamWriter(zip.CreateEntry("config.json").Open());
            writer.Write(root.ToJsonString());
        }
        var loaded = Model.Load(path);
        Assert.IsType<Adam>(loaded.Optimizer);
        Assert.Equal(0.003, loaded.Optimizer!.LearningRate);
        Assert.Equal(0, loaded.Optimizer.Iterations);
    }

    [Fact]
    public void CorruptOptimizerState_IsAFormatException_NamingTheState()
    {
        var (x, y) = Data();
        var model = NewModel(new Adam());
        model.Fit(x, y, epochs: 1, batchSize: 80, verbose: 0);
        string path = Path.Combine(directory, "corrupt.normlab");
        model.Save(path);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            zip.GetEntry("optimizer.weights.safetensors")!.Delete();
            using var stream = zip.CreateEntry("optimizer.weights.safetensors").Open();
            NormLab.Saving.SafeTensors.Write(stream, [("0/velocity", Tensor.Zeros(5))]);
        }
        var e = Assert.Throws<FormatException>(() => Model.Load(path));
        Assert.Contains("0/velocity", e.Message);
        Assert.Contains("shape", e.Message);
    }
}

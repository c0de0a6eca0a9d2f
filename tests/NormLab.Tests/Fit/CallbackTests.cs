using NormLab.Callbacks;
using NormLab.Optimizers;
using NormLab.Saving;
using Xunit;

namespace NormLab.Tests.Fit;

/// <summary>Each callback in a short Fit that shows its effect, with Keras's semantics.</summary>
public sealed class CallbackTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("normlab-callbacks-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static string Captured(Action action)
    {
        var stdout = Console.Out;
        var output = new StringWriter();
        Console.SetOut(output);
        try { action(); }
        finally { Console.SetOut(stdout); }
        return output.ToString();
    }

    [Fact]
    public void ReduceLROnPlateauHalvesTheLearningRateAfterPatienceEpochsWithoutImprovement()
    {
        // minDelta 10 on the loss: only the first epoch improves, so epochs 2, 3 (0-based) are the plateau.
        var (x, y) = FitData.Classes(8);
        var model = FitData.Classifier(learningRate: 0.01);
        var reduce = new ReduceLROnPlateau(monitor: "loss", factor: 0.5, patience: 2, minDelta: 10, cooldown: 2);
        var h = model.Fit(x, y, epochs: 6, batchSize: 8, verbose: 0, callbacks: [reduce]);
        // The logs carry the rate the epoch trained with; reductions after epochs 2 and 5 (the cooldown of 2
        // leaves epoch 3 uncounted and restarts the count at epoch 4, as Keras).
        Assert.Equal([0.01, 0.01, 0.01, 0.005, 0.005, 0.005], h["learning_rate"]);
        Assert.Equal(0.0025, model.Optimizer!.LearningRate, 12);
        var floor = FitData.Classifier(learningRate: 0.01);
        floor.Fit(x, y, epochs: 8, batchSize: 8, verbose: 0, callbacks: [new ReduceLROnPlateau(monitor: "loss", factor: 0.1, patience: 1, minDelta: 10, minLr: 0.004)]);
        Assert.Equal(0.004, floor.Optimizer!.LearningRate, 12);
    }

    [Fact]
    public void LearningRateSchedulerSetsTheRateOfEveryEpoch()
    {
        var (x, y) = FitData.Classes(8);
        var model = FitData.Classifier(learningRate: 0.1);
        var h = model.Fit(x, y, epochs: 4, batchSize: 8, verbose: 0,
            callbacks: [new LearningRateScheduler((epoch, lr) => epoch < 2 ? lr : lr / 10)]);
        Assert.Equal([0.1, 0.1, 0.01, 0.001], h["learning_rate"].Select(v => Math.Round(v, 12)));
        var bad = Assert.Throws<ArgumentException>(() => model.Fit(x, y, epochs: 2, verbose: 0, callbacks: [new LearningRateScheduler((epoch, lr) => epoch == 1 ? double.NaN : lr)]));
        Assert.Contains("LearningRateScheduler: the schedule returned NaN for epoch 1", bad.Message);
    }

    [Fact]
    public void CSVLoggerWritesAHeaderAndOneRowPerEpochAndAppends()
    {
        string path = Path.Combine(directory, "log.csv");
        var (x, y) = FitData.Classes(8);
        var model = FitData.Classifier(metrics: "accuracy");
        var h = model.Fit(x, y, epochs: 2, batchSize: 4, verbose: 0, callbacks: [new CSVLogger(path)]);
        var lines = File.ReadAllLines(path);
        // Keras reserves val_ columns when the first epoch has none ("NA").
        Assert.Equal("epoch,accuracy,loss,val_accuracy,val_loss", lines[0]);
        Assert.Equal(3, lines.Length);
        var row = lines[2].Split(',');
        Assert.Equal("1", row[0]);
        Assert.Equal(h["loss"][1], double.Parse(row[2], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(["NA", "NA"], row[3..]);
        // append: no second header, rows continue; separator ";".
        model.Fit(x, y, epochs: 1, batchSize: 4, verbose: 0, validationData: (x, y), callbacks: [new CSVLogger(path, separator: ";", append: true)]);
        lines = File.ReadAllLines(path);
        Assert.Equal(4, lines.Length);
        Assert.Equal(5, lines[3].Split(';').Length);
        Assert.DoesNotContain("NA", lines[3]);
        Assert.Contains("CSVLogger: separator must be one character", Assert.Throws<ArgumentException>(() => new CSVLogger(path, separator: ", ")).Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // a schedule's rate follows the restored iteration count
    public void BackupAndRestoreResumesAKilledTrainingFromItsLastFinishedEpoch(bool schedule)
    {
        var (x, y) = FitData.Classes(12);
        Optimizer Adam() => schedule ? new Adam(learningRate: new NormLab.Optimizers.Schedules.ExponentialDecay(0.05, decaySteps: 2, decayRate: 0.5)) : new Adam(learningRate: 0.05);
        var uninterrupted = FitData.Classifier(optimizer: Adam());
        var full = uninterrupted.Fit(x, y, epochs: 4, batchSize: 4, shuffle: false, verbose: 0);

        string backup = Path.Combine(directory, "backup");
        var crashed = FitData.Classifier(optimizer: Adam());
        var crash = new LambdaCallback(onEpochBegin: epoch => { if (epoch == 2) throw new IOException("simulated crash"); });
        Assert.Throws<IOException>(() => crashed.Fit(x, y, epochs: 4, batchSize: 4, shuffle: false, verbose: 0, callbacks: [new BackupAndRestore(backup), crash]));
        Assert.True(File.Exists(Path.Combine(backup, "backup.zip")));
        Assert.Empty(Directory.GetFiles(backup, "*.tmp"));

        // A fresh process: other initial weights, a new optimizer; the backup brings weights, Adam's moments and the epoch.
        var resumedModel = FitData.Classifier(seed: 99, optimizer: Adam());
        var restore = new BackupAndRestore(backup);
        var resumed = resumedModel.Fit(x, y, epochs: 4, batchSize: 4, shuffle: false, verbose: 0, callbacks: [restore]);
        Assert.Equal(2, restore.RestoredEpoch);
        Assert.Equal([2, 3], resumed.EpochIndices);
        Assert.Equal(full["loss"].Skip(2), resumed["loss"]);
        Assert.Equal(FitData.Flat(uninterrupted), FitData.Flat(resumedModel));
        Assert.False(File.Exists(restore.BackupPath)); // a finished training deletes its backup
    }

    [Fact]
    public void BackupAndRestoreRefusesABackupOfAnotherModel()
    {
        var (x, y) = FitData.Classes(6);
        string backup = Path.Combine(directory, "other");
        FitData.Classifier().Fit(x, y, epochs: 1, verbose: 0, callbacks: [new BackupAndRestore(backup, deleteCheckpoint: false)]);
        var different = new Sequential([new NormLab.Layers.Dense(3, activation: "softmax", inputShape: [3])]);
        different.Compile(optimizer: "sgd", loss: "sparse_categorical_crossentropy");
        var before = FitData.Flat(different);
        var e = Assert.Throws<FormatException>(() => different.Fit(x, y, epochs: 2, verbose: 0, callbacks: [new BackupAndRestore(backup)]));
        Assert.Contains("is not a valid backup: it holds 4 weights but model", e.Message);
        Assert.Equal(before, FitData.Flat(different));
    }

    [Fact]
    public void ModelCheckpointExpandsEpochAndLogFieldsAndSavesWeightsOnly()
    {
        var (x, y) = FitData.Classes(8);
        var model = FitData.Classifier();
        var h = model.Fit(x, y, epochs: 2, batchSize: 4, verbose: 0, validationData: (x, y),
            callbacks: [new ModelCheckpoint(Path.Combine(directory, "model-{epoch:02d}-{val_loss:.2f}.normlab"))]);
        foreach (int epoch in new[] { 0, 1 })
        {
            string expected = $"model-{epoch + 1:00}-{h["val_loss"][epoch].ToString("F2", System.Globalization.CultureInfo.InvariantCulture)}.normlab";
            Assert.True(File.Exists(Path.Combine(directory, expected)), expected);
        }
        Assert.Equal(FitData.Flat(model), FitData.Flat(Model.Load(Directory.GetFiles(directory, "model-02-*").Single())));

        var weightsOnly = new ModelCheckpoint(Path.Combine(directory, "w{epoch}.safetensors"), saveWeightsOnly: true);
        model.Fit(x, y, epochs: 1, verbose: 0, callbacks: [weightsOnly]);
        Assert.Equal(Path.Combine(directory, "w1.safetensors"), weightsOnly.LastSaved);
        var saved = SafeTensors.Read(File.ReadAllBytes(weightsOnly.LastSaved!));
        Assert.Equal(FitData.Flat(model), saved.SelectMany(t => t.value.ToArray()));
    }

    [Fact]
    public void ModelCheckpointSaveBestOnlyWithAnInitialThreshold()
    {
        var (x, y) = FitData.Classes(8);
        var best = new ModelCheckpoint(Path.Combine(directory, "best.normlab"), monitor: "loss", saveBestOnly: true, initialValueThreshold: 0);
        FitData.Classifier().Fit(x, y, epochs: 2, verbose: 0, callbacks: [best]);
        Assert.Null(best.LastSaved); // no loss beats 0
    }

    [Theory]
    [InlineData("{epoch:02d}", "03")]
    [InlineData("{epoch}", "3")]
    [InlineData("{epoch:4d}", "   3")]
    [InlineData("{val_loss:.2f}", "0.41")]
    [InlineData("{val_loss}", "0.4149")]
    [InlineData("{neg:07.2f}", "-001.50")]
    [InlineData("e{epoch:03d}_{val_loss:.3f}.normlab", "e003_0.415.normlab")]
    public void PathFieldsFollowPythonFormatSpecs(string template, string expected)
    {
        var logs = new Dictionary<string, double> { ["val_loss"] = 0.4149, ["neg"] = -1.5 };
        Assert.Equal(expected, new PathTemplate(template, "ModelCheckpoint: filepath").Expand(2, logs));
    }

    [Fact]
    public void BadPathFieldsAreRefusedNamingTheCallback()
    {
        Assert.Contains("ModelCheckpoint: filepath: '{epoch:x}'", Assert.Throws<ArgumentException>(() => new ModelCheckpoint("{epoch:x}")).Message);
        var missing = Assert.Throws<KeyNotFoundException>(() => new PathTemplate("{val_acc:.2f}", "ModelCheckpoint: filepath").Expand(0, new Dictionary<string, double> { ["loss"] = 1 }));
        Assert.Contains("the logs have no 'val_acc' (available: epoch, loss)", missing.Message);
        Assert.Throws<FormatException>(() => new PathTemplate("{loss:02d}", "ModelCheckpoint: filepath").Expand(0, new Dictionary<string, double> { ["loss"] = 1 }));
    }

    [Fact]
    public void EarlyStoppingBaselineMustBeBeatenToResetThePatience()
    {
        // Keras: an improvement resets the count only when it also beats the baseline; the stop comes at
        // the first epoch without improvement once patience epochs are counted.
        (int stopped, string printed) Run(double? baseline)
        {
            var early = new EarlyStopping(monitor: "loss", patience: 3, baseline: baseline, verbose: 1) { Model = FitData.Classifier() };
            early.OnTrainBegin();
            double[] losses = [5, 4, 3, 3.5, 3.4];
            for (int epoch = 0; epoch < losses.Length && !early.Model.StopTraining; epoch++)
                early.OnEpochEnd(epoch, new Dictionary<string, double> { ["loss"] = losses[epoch] });
            return (early.StoppedEpoch, Captured(early.OnTrainEnd));
        }
        Assert.Equal((3, "Epoch 4: early stopping" + Environment.NewLine), Run(baseline: 1));
        Assert.Equal((-1, ""), Run(baseline: null));
        Assert.Equal((-1, ""), Run(baseline: 4.5));
    }

    [Fact]
    public void EarlyStoppingStartFromEpochWaitsBeforeMonitoring()
    {
        var (x, y) = FitData.Classes(8);
        // minDelta 1e9: nothing ever improves after the first monitored epoch.
        var early = new EarlyStopping(monitor: "loss", minDelta: 1e9, patience: 1, startFromEpoch: 3);
        FitData.Classifier().Fit(x, y, epochs: 10, verbose: 0, callbacks: [early]);
        Assert.Equal(4, early.StoppedEpoch);
        Assert.Contains("EarlyStopping: startFromEpoch must be >= 0, received -1", Assert.Throws<ArgumentException>(() => new EarlyStopping(startFromEpoch: -1)).Message);
    }

    [Fact]
    public void TerminateOnNaNNamesTheEpochAndTheBatch()
    {
        var (x, y) = FitData.Classes(12);
        var data = x.ToArray();
        data[3 * 9] = float.NaN; // sample 9: the third batch of 4, unshuffled
        var poisoned = Tensor.FromArray(data, 12, 3);
        var stop = new TerminateOnNaN();
        var firstEpochClean = new LambdaCallback(onEpochBegin: _ => { });
        string output = Captured(() => FitData.Classifier().Fit(poisoned, y, epochs: 3, batchSize: 4, shuffle: false, verbose: 0, callbacks: [stop, firstEpochClean]));
        Assert.Equal((0, 2), (stop.StoppedEpoch, stop.StoppedBatch));
        Assert.Contains("Epoch 1, batch 2: invalid loss NaN, terminating training", output);
    }

    [Fact]
    public void ProgbarLoggerPrintsOneLinePerEpochOnVerbose2AndAHistoryGivenIsTheOneReturned()
    {
        var (x, y) = FitData.Classes(8);
        var history = new History();
        string output = Captured(() => Assert.Same(history, FitData.Classifier().Fit(x, y, epochs: 2, batchSize: 4, verbose: 2, callbacks: [history])));
        Assert.Contains("Epoch 2/2", output);
        Assert.Contains("2/2 - ", output);
        Assert.Equal("", Captured(() => FitData.Classifier().Fit(x, y, epochs: 1, verbose: 0, callbacks: [new ProgbarLogger()])));
        Assert.Equal([0, 1], history.EpochIndices);
    }

    [Fact]
    public void BadCallbackArgumentsNameTheCallbackTheArgumentAndTheValue()
    {
        void Refused(Func<Callback> create, string message) => Assert.Contains(message, Assert.Throws<ArgumentException>(() => create()).Message);
        Refused(() => new ReduceLROnPlateau(factor: 1.5), "ReduceLROnPlateau: factor must be in (0, 1) (a factor >= 1 would not reduce), received 1.5");
        Refused(() => new ReduceLROnPlateau(patience: -1), "ReduceLROnPlateau: patience must be >= 0, received -1");
        Refused(() => new ReduceLROnPlateau(minLr: double.NaN), "ReduceLROnPlateau: minLr must be finite and >= 0, received NaN");
        Refused(() => new ReduceLROnPlateau(mode: "up"), "ReduceLROnPlateau: mode must be 'auto', 'min' or 'max', received 'up'");
        Refused(() => new EarlyStopping(patience: -3), "EarlyStopping: patience must be >= 0, received -3");
        Refused(() => new EarlyStopping(baseline: double.NaN), "EarlyStopping: baseline must be a number or null, received NaN");
        Refused(() => new EarlyStopping(minDelta: double.PositiveInfinity), "EarlyStopping: minDelta must be finite, received ");
        Refused(() => new ModelCheckpoint("m.normlab", mode: "best"), "ModelCheckpoint: mode must be 'auto', 'min' or 'max', received 'best'");
        Refused(() => new CSVLogger(""), "CSVLogger: filename must not be empty");
        Refused(() => new BackupAndRestore(""), "BackupAndRestore: backupDir must not be empty");
    }
}

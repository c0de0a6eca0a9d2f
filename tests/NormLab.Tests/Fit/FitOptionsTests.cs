using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Fit;

/// <summary>Fit's Keras options, each in a short Fit that shows its effect.</summary>
public class FitOptionsTests
{
    [Fact]
    public void InitialEpochStartsTheEpochCountThere()
    {
        var (x, y) = FitData.Classes(12);
        var calls = new RecordingCallback();
        var h = FitData.Classifier().Fit(x, y, epochs: 5, initialEpoch: 3, batchSize: 4, verbose: 0, callbacks: [calls]);
        Assert.Equal([3, 4], h.EpochIndices);
        Assert.Equal(2, h["loss"].Count);
        Assert.Equal(["epoch_begin 3", "epoch_begin 4"], calls.Calls.Where(c => c.StartsWith("epoch_begin")));
        Assert.Equal(0, FitData.Classifier().Fit(x, y, epochs: 2, initialEpoch: 2, verbose: 0).Epochs);
    }

    [Fact]
    public void StepsPerEpochCarriesOnWhereTheLastEpochStoppedAndRestartsAtTheEnd()
    {
        // 10 samples at batch 4 = 3 batches per pass (4, 4, 2). Keras: 2 steps, then the 1 left (the
        // pass ends, cutting the epoch short), then a new pass.
        var (x, y) = FitData.Classes(10);
        var calls = new RecordingCallback();
        FitData.Classifier().Fit(x, y, epochs: 3, batchSize: 4, shuffle: false, verbose: 0, stepsPerEpoch: 2, callbacks: [calls]);
        Assert.Equal(["train_batch_end 0", "train_batch_end 1", "epoch_end 0", "train_batch_end 0", "epoch_end 1", "train_batch_end 0", "train_batch_end 1", "epoch_end 2"],
            calls.Calls.Where(c => c.StartsWith("train_batch_end") || c.StartsWith("epoch_end")));
    }

    [Fact]
    public void ValidationStepsAndValidationFreqLimitTheValidation()
    {
        var (x, y) = FitData.Classes(16);
        var (vx, vy) = FitData.Classes(12, seed: 2);
        var calls = new RecordingCallback();
        var h = FitData.Classifier().Fit(x, y, epochs: 4, batchSize: 4, verbose: 0, validationData: (vx, vy),
            validationSteps: 2, validationFreq: 2, callbacks: [calls]);
        Assert.Equal(4, h["loss"].Count);
        Assert.Equal(2, h["val_loss"].Count); // epochs 2 and 4 (1-based)
        Assert.Equal(2, calls.Count("test_begin"));
        Assert.Equal(4, calls.Count("test_batch_end")); // 2 steps each instead of the 3 batches
        int firstTest = calls.Calls.IndexOf("test_begin");
        Assert.Equal("epoch_begin 1", calls.Calls.Take(firstTest).Last(c => c.StartsWith("epoch_begin")));
    }

    [Fact]
    public void ValidationDataTakesPrecedenceOverValidationSplit()
    {
        var (x, y) = FitData.Classes(20);
        var (vx, vy) = FitData.Classes(6, seed: 3);
        var model = FitData.Classifier();
        var h = model.Fit(x, y, epochs: 1, batchSize: 20, verbose: 0, validationSplit: 0.5, validationData: (vx, vy));
        Assert.Equal(model.Evaluate(vx, vy)["loss"], h["val_loss"][0], 6);
        // All 20 samples trained: the same single step as without the split.
        var plain = FitData.Classifier();
        plain.Fit(x, y, epochs: 1, batchSize: 20, verbose: 0);
        Assert.Equal(FitData.Flat(plain), FitData.Flat(model));
    }

    [Fact]
    public void ABatchLargerThanTheDataIsOneBatchOfAllOfIt()
    {
        var (x, y) = FitData.Classes(9);
        var calls = new RecordingCallback();
        var big = FitData.Classifier();
        var h = big.Fit(x, y, epochs: 1, batchSize: int.MaxValue, verbose: 0, callbacks: [calls]);
        Assert.Equal(1, calls.Count("train_batch_end"));
        var nine = FitData.Classifier();
        nine.Fit(x, y, epochs: 1, batchSize: 9, shuffle: false, verbose: 0);
        Assert.Equal(FitData.Flat(nine), FitData.Flat(big), new FloatTolerance(1e-6f)); // same step, samples in another order
        Assert.Equal(big.Evaluate(x, y, batchSize: 9)["loss"], big.Evaluate(x, y, batchSize: int.MaxValue)["loss"]);
        Assert.Equal(9, big.Predict(x, batchSize: int.MaxValue).Shape[0]);
        // Labels are still checked.
        Assert.ThrowsAny<ArgumentException>(() => FitData.Classifier().Fit(x, Tensor.Full([9], 7), batchSize: int.MaxValue, verbose: 0));
    }

    [Fact]
    public void ALastBatchOfOneSampleTrainsWithBatchNormalization()
    {
        // Keras trains on 33 samples at batch size 32: the last batch's variance is 0.
        NormLabRandom.SetSeed(3);
        var model = new Sequential([new Dense(4, inputShape: [3]), new BatchNormalization(), new Dense(3, activation: "softmax")]);
        model.Compile(optimizer: "sgd", loss: "sparse_categorical_crossentropy");
        var (x, y) = FitData.Classes(33);
        var calls = new RecordingCallback();
        var h = model.Fit(x, y, epochs: 2, batchSize: 32, verbose: 0, callbacks: [calls]);
        Assert.Equal(4, calls.Count("train_batch_end"));
        Assert.All(h["loss"], l => Assert.True(double.IsFinite(l)));
        Assert.All(FitData.Flat(model), w => Assert.True(float.IsFinite(w)));
    }

    [Fact]
    public void TrainTestAndPredictOnBatch()
    {
        var (x, y) = FitData.Classes(8);
        var model = FitData.Classifier(metrics: "accuracy");
        var before = model.TestOnBatch(x, y);
        Assert.Equal(model.Evaluate(x, y, batchSize: 8)["loss"], before["loss"], 6);
        var train = model.TrainOnBatch(x, y);
        Assert.Equal(before["loss"], train["loss"], 6); // the loss of the step is computed before the update
        Assert.True(model.TestOnBatch(x, y)["loss"] < before["loss"]);
        // Each call reports its own batch (metrics reset), not a running mean.
        var single = model.TestOnBatch(Batches.Rows(x, 0, 1), Batches.Rows(y, 0, 1));
        Assert.True(single["accuracy"] is 0 or 1);
        Assert.Equal(model.Predict(x).ToArray(), model.PredictOnBatch(x).ToArray());
    }

    [Fact]
    public void EvaluateAndPredictStepsAndHooks()
    {
        var (x, y) = FitData.Classes(10);
        var model = FitData.Classifier();
        var calls = new RecordingCallback();
        var partial = model.Evaluate(x, y, batchSize: 4, steps: 1, callbacks: [calls]);
        Assert.Equal(model.Evaluate(Batches.Rows(x, 0, 4), Batches.Rows(y, 0, 4))["loss"], partial["loss"], 6);
        Assert.Equal(["test_begin", "test_batch_begin 0", "test_batch_end 0", "test_end"], calls.Calls);
        calls.Calls.Clear();
        Assert.Equal(8, model.Predict(x, batchSize: 4, steps: 2, callbacks: [calls]).Shape[0]);
        Assert.Equal(["predict_begin", "predict_batch_begin 0", "predict_batch_end 0 4", "predict_batch_begin 1", "predict_batch_end 1 4", "predict_end"], calls.Calls);
    }

    [Fact]
    public void FitCallsEveryHookInKerasOrder()
    {
        var (x, y) = FitData.Classes(6);
        var calls = new RecordingCallback();
        FitData.Classifier().Fit(x, y, epochs: 1, batchSize: 4, verbose: 0, validationData: (x, y), callbacks: [calls]);
        Assert.Equal(["train_begin", "epoch_begin 0", "train_batch_begin 0", "train_batch_end 0", "train_batch_begin 1", "train_batch_end 1",
            "test_begin", "test_batch_begin 0", "test_batch_end 0", "test_batch_begin 1", "test_batch_end 1", "test_end", "epoch_end 0", "train_end"], calls.Calls);
    }

    [Theory]
    [InlineData("epochs", "Fit's epochs must be >= 0, received -1")]
    [InlineData("initialEpoch", "Fit's initialEpoch must be >= 0, received -2")]
    [InlineData("stepsPerEpoch", "Fit's stepsPerEpoch must be >= 1 (or null for all the data), received 0")]
    [InlineData("validationSteps", "Fit's validationSteps must be >= 1 (or null for all the data), received 0")]
    [InlineData("validationFreq", "Fit's validationFreq must be >= 1, received 0")]
    [InlineData("validationSplit", "Fit's validationSplit must be in [0, 1), received NaN")]
    public void BadOptionsAreRefusedNamingFitTheArgumentAndTheValue(string argument, string message)
    {
        var (x, y) = FitData.Classes(6);
        var model = FitData.Classifier();
        var e = Assert.Throws<ArgumentException>(() => argument switch
        {
            "epochs" => model.Fit(x, y, epochs: -1, verbose: 0),
            "initialEpoch" => model.Fit(x, y, initialEpoch: -2, verbose: 0),
            "stepsPerEpoch" => model.Fit(x, y, stepsPerEpoch: 0, verbose: 0),
            "validationSteps" => model.Fit(x, y, validationSteps: 0, verbose: 0),
            "validationFreq" => model.Fit(x, y, validationFreq: 0, verbose: 0),
            _ => model.Fit(x, y, validationSplit: double.NaN, verbose: 0),
        });
        Assert.Contains(message, e.Message);
        Assert.Contains("Model 'sequential", e.Message);
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance * Math.Max(1, Math.Abs(a));
        public int GetHashCode(float value) => 0;
    }
}

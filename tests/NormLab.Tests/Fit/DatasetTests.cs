using NormLab.Data;
using Xunit;

namespace NormLab.Tests.Fit;

/// <summary>The tf.data-like Dataset, and Fit/Evaluate/Predict on datasets and plain sequences of batches.</summary>
public class DatasetTests
{
    private static (Tensor x, Tensor y) Numbered(int n)
    {
        // x row i = [i, 10 i], y = i: every element says where it came from.
        var x = Enumerable.Range(0, n).SelectMany(i => new[] { (float)i, 10f * i }).ToArray();
        return (Tensor.FromArray(x, n, 2), Tensor.FromArray(Enumerable.Range(0, n).Select(i => (float)i).ToArray(), n));
    }

    private static List<float> Labels(IEnumerable<(Tensor x, Tensor y)> data) => data.SelectMany(b => b.y.ToArray()).ToList();

    [Fact]
    public void FromTensorsAndBatchGiveSamplesThenBatches()
    {
        var (x, y) = Numbered(5);
        var samples = Dataset.FromTensors(x, y).ToList();
        Assert.Equal(5, samples.Count);
        Assert.Equal([2], samples[3].x.Shape);
        Assert.Equal([30f, 3f], [samples[3].x.ToArray()[1], samples[3].y.Item()]);
        var batches = Dataset.FromTensors(x, y).Batch(2).ToList();
        Assert.Equal([[2, 2], [2, 2], [1, 2]], batches.Select(b => b.x.Shape));
        Assert.Equal([2, 2, 1], batches.Select(b => b.y.Shape[0]));
        Assert.Equal(2, Dataset.FromTensors(x, y).Batch(2, dropRemainder: true).Count());
    }

    [Fact]
    public void ShuffleWithASeedIsReproducibleAndAPermutation()
    {
        var (x, y) = Numbered(50);
        var a = Dataset.FromTensors(x, y).Shuffle(bufferSize: 50, seed: 5);
        var b = Dataset.FromTensors(x, y).Shuffle(bufferSize: 50, seed: 5);
        var firstA = Labels(a);
        Assert.Equal(firstA, Labels(b));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (float)i), firstA.Order());
        Assert.NotEqual(Enumerable.Range(0, 50).Select(i => (float)i), firstA);
        // Each pass reshuffles (tf.data's default), reproducibly; or keeps its order when asked.
        var secondA = Labels(a);
        Assert.NotEqual(firstA, secondA);
        Assert.Equal(secondA, Labels(b));
        var fixedOrder = Dataset.FromTensors(x, y).Shuffle(50, seed: 5, reshuffleEachIteration: false);
        Assert.Equal(Labels(fixedOrder), Labels(fixedOrder));
        Assert.NotEqual(firstA, Labels(Dataset.FromTensors(x, y).Shuffle(50, seed: 6)));
    }

    [Fact]
    public void AShuffleBufferOfOneKeepsTheOrderAndASmallBufferOnlyMovesElementsForwardByItsSize()
    {
        var (x, y) = Numbered(30);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (float)i), Labels(Dataset.FromTensors(x, y).Shuffle(1, seed: 1)));
        var local = Labels(Dataset.FromTensors(x, y).Shuffle(4, seed: 1));
        // With a buffer of 4, output position p holds an element among the first p + 4 inputs.
        for (int p = 0; p < local.Count; p++) Assert.True(local[p] < p + 4, $"position {p} holds {local[p]}");
    }

    [Fact]
    public void PrefetchYieldsTheSameBatchesInTheSameOrder()
    {
        var (x, y) = Numbered(23);
        var plain = Dataset.FromTensors(x, y).Shuffle(23, seed: 9).Batch(4);
        var prefetched = Dataset.FromTensors(x, y).Shuffle(23, seed: 9).Batch(4).Prefetch(2);
        var expected = plain.Select(b => b.x.ToArray()).ToList();
        var actual = prefetched.Select(b => b.x.ToArray()).ToList();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void PrefetchRunsTheMapOnAnotherThreadRethrowsItsErrorsAndStopsWhenTheConsumerStops()
    {
        var (x, y) = Numbered(10);
        int consumer = Environment.CurrentManagedThreadId, producedOn = consumer, produced = 0;
        var data = Dataset.FromTensors(x, y).Map((a, b) => { producedOn = Environment.CurrentManagedThreadId; Interlocked.Increment(ref produced); return (a, b); }).Prefetch(1);
        Assert.Single(data.Take(1));
        Assert.NotEqual(consumer, producedOn);
        Thread.Sleep(50);
        Assert.True(produced <= 3, $"the producer ran on to {produced} elements after the consumer stopped");
        var failing = Dataset.FromTensors(x, y).Map((a, b) => b.Item() == 4 ? throw new InvalidDataException("bad sample 4") : (a, b)).Prefetch(2);
        var e = Assert.Throws<InvalidDataException>(() => failing.ToList());
        Assert.Equal("bad sample 4", e.Message);
    }

    [Fact]
    public void MapAndRepeat()
    {
        var (x, y) = Numbered(3);
        var doubled = Dataset.FromTensors(x, y).Map((a, b) => (Ops.Mul(a, Tensor.Full([2], 2)), b)).Repeat(2).ToList();
        Assert.Equal([0f, 2f, 4f, 0f, 2f, 4f], doubled.Select(e => e.x.ToArray()[0]));
        Assert.Equal(7, Dataset.FromTensors(x, y).Repeat().Take(7).Count());
        Assert.Empty(Dataset.FromTensors(x, y).Repeat(0));
    }

    [Fact]
    public void FitOnABatchedDatasetEqualsFitOnTheTensors()
    {
        var (x, y) = FitData.Classes(14);
        var fromTensors = FitData.Classifier(metrics: "accuracy");
        var h1 = fromTensors.Fit(x, y, epochs: 2, batchSize: 4, shuffle: false, verbose: 0, validationData: (x, y));
        var fromDataset = FitData.Classifier(metrics: "accuracy");
        var data = Dataset.FromTensors(x, y).Batch(4).Prefetch(2);
        var h2 = fromDataset.Fit(data, epochs: 2, verbose: 0, validationData: data);
        Assert.Equal(FitData.Flat(fromTensors), FitData.Flat(fromDataset));
        foreach (var key in new[] { "loss", "accuracy", "val_loss", "val_accuracy" })
            Assert.Equal(h1[key], h2[key]);
        Assert.Equal(fromTensors.Evaluate(x, y, batchSize: 4)["loss"], fromDataset.Evaluate(data)["loss"], 6);
        Assert.Equal(fromTensors.Predict(x).ToArray(), fromDataset.Predict(data).ToArray());
    }

    [Fact]
    public void FitTakesAnyEnumerableOfBatchesWithClassWeights()
    {
        var (x, y) = FitData.Classes(8);
        var batches = new List<(Tensor x, Tensor y)> { (Batches.Rows(x, 0, 4), Batches.Rows(y, 0, 4)), (Batches.Rows(x, 4, 4), Batches.Rows(y, 4, 4)) };
        var classWeight = new Dictionary<int, double> { [1] = 3 };
        var fromList = FitData.Classifier();
        fromList.Fit(batches, epochs: 2, verbose: 0, classWeight: classWeight);
        var fromTensors = FitData.Classifier();
        fromTensors.Fit(x, y, epochs: 2, batchSize: 4, shuffle: false, verbose: 0, classWeight: classWeight);
        Assert.Equal(FitData.Flat(fromTensors), FitData.Flat(fromList));
    }

    [Fact]
    public void EndlessDataNeedsStepsPerEpochAndDataThatRunsOutInterruptsTraining()
    {
        var (x, y) = FitData.Classes(12);
        var endless = Dataset.FromTensors(x, y).Batch(4).Repeat();
        var h = FitData.Classifier().Fit(endless, epochs: 3, stepsPerEpoch: 5, verbose: 0);
        Assert.Equal(3, h.Epochs);
        var calls = new RecordingCallback();
        var stdout = Console.Out;
        var output = new StringWriter();
        Console.SetOut(output);
        try
        {
            // 3 batches per pass, asked for 2 per epoch over 3 epochs: the second epoch gets 1 and training stops.
            var ran = FitData.Classifier().Fit(Dataset.FromTensors(x, y).Batch(4), epochs: 3, stepsPerEpoch: 2, verbose: 1, callbacks: [calls]);
            Assert.Equal(2, ran.Epochs);
            Assert.Equal(3, calls.Count("train_batch_end"));
            Assert.Contains("ran out of data", output.ToString());
        }
        finally { Console.SetOut(stdout); }
    }

    [Fact]
    public void BadDatasetsAndArgumentsAreRefusedClearly()
    {
        var (x, y) = FitData.Classes(6);
        var model = FitData.Classifier();
        var unbatched = Assert.Throws<ArgumentException>(() => model.Fit(Dataset.FromTensors(x, y), verbose: 0));
        Assert.Contains("Dataset of single samples; call .Batch(batchSize)", unbatched.Message);
        var empty = Assert.Throws<ArgumentException>(() => model.Fit(new List<(Tensor, Tensor)>(), verbose: 0));
        Assert.Contains("Fit received no batches", empty.Message);
        var mismatch = Assert.Throws<ArgumentException>(() => model.Fit([(x, Batches.Rows(y, 0, 5))], verbose: 0));
        Assert.Contains("batch 0 has x of shape (6, 3) and y of shape (5,)", mismatch.Message);
        Assert.Contains("Dataset.Shuffle: bufferSize must be >= 1, received 0", Assert.Throws<ArgumentException>(() => Dataset.FromTensors(x, y).Shuffle(0)).Message);
        Assert.Contains("Dataset.Batch: batchSize must be >= 1, received -3", Assert.Throws<ArgumentException>(() => Dataset.FromTensors(x, y).Batch(-3)).Message);
        Assert.Contains("Dataset.Prefetch: bufferSize must be >= 1, received 0", Assert.Throws<ArgumentException>(() => Dataset.FromTensors(x, y).Prefetch(0)).Message);
        Assert.Contains("Dataset.Repeat: count must be >= 0, or -1 for endless, received -5", Assert.Throws<ArgumentException>(() => Dataset.FromTensors(x, y).Repeat(-5)).Message);
        Assert.Contains("Dataset.FromTensors: x of shape (6, 3) and y of shape (4,)", Assert.Throws<ArgumentException>(() => Dataset.FromTensors(x, Tensor.Ones(4))).Message);
        var ragged = Dataset.FromTensors(x, y).Map((a, b) => (b.Item() == 2 ? Tensor.Ones(5) : a, b)).Batch(6);
        Assert.Contains("Dataset.Batch: element 2 of a batch has x of shape (5,) but the first has (3,)", Assert.Throws<ArgumentException>(() => ragged.ToList()).Message);
    }
}

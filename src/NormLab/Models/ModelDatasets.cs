using NormLab.Callbacks;
using NormLab.Data;

namespace NormLab;

public partial class Model
{
    /// <summary>
    /// Trains on batches from a <see cref="Dataset"/> (batched) or any sequence of (x, y) batches, as Keras's
    /// fit on a tf.data dataset. Each epoch enumerates the data again, unless <paramref name="stepsPerEpoch"/> is
    /// given: then epochs continue where the last one stopped, and data that runs out interrupts training.
    /// </summary>
    /// <example><code>model.Fit(Dataset.FromTensors(x, y).Shuffle(1000, seed: 1).Batch(32).Prefetch(2), epochs: 5);</code></example>
    /// <param name="data">The training batches.</param>
    /// <param name="epochs">The epoch to stop at.</param>
    /// <param name="validationData">Batches to validate on at the end of each epoch.</param>
    /// <param name="callbacks">Callbacks; a History and (when verbose) a ProgbarLogger are added.</param>
    /// <param name="verbose">0 silent, 1 a progress bar, 2 one line per epoch.</param>
    /// <param name="classWeight">Optional weight per class index, applied as sample weights.</param>
    /// <param name="initialEpoch">The epoch to start from.</param>
    /// <param name="stepsPerEpoch">Batches per epoch (needed to repeat endless data in epochs).</param>
    /// <param name="validationSteps">Batches of validation data per validation (default: all).</param>
    /// <param name="validationFreq">Validate every this many epochs.</param>
    public History Fit(IEnumerable<(Tensor x, Tensor y)> data, int epochs = 1, IEnumerable<(Tensor x, Tensor y)>? validationData = null,
        IEnumerable<Callback>? callbacks = null, int verbose = 1, IReadOnlyDictionary<int, double>? classWeight = null,
        int initialEpoch = 0, int? stepsPerEpoch = null, int? validationSteps = null, int validationFreq = 1)
    {
        RequireCompiled("Fit");
        CheckLoopOptions(epochs, initialEpoch, stepsPerEpoch, validationSteps, validationFreq);
        if (classWeight != null) ClassWeights.Check(classWeight, $"Model '{Name}': Fit");
        var train = new EnumerableData(data, classWeight, $"Model '{Name}': Fit");
        var validation = validationData == null ? null : new EnumerableData(validationData, null, $"Model '{Name}': Fit's validationData");
        return RunFit(new EpochIterator(train, stepsPerEpoch), validation, epochs, initialEpoch, validationSteps, validationFreq, callbacks, verbose, replicas: null);
    }

    /// <summary>The loss and metrics over batches from a <see cref="Dataset"/> or any sequence of (x, y) batches.</summary>
    /// <param name="data">The batches.</param>
    /// <param name="verbose">1 prints the results.</param>
    /// <param name="steps">Batches to evaluate (default: all).</param>
    /// <param name="callbacks">Called around the evaluation and each batch.</param>
    public Dictionary<string, double> Evaluate(IEnumerable<(Tensor x, Tensor y)> data, int verbose = 0, int? steps = null,
        IEnumerable<Callback>? callbacks = null)
    {
        RequireCompiled("Evaluate");
        CheckSteps(steps, "Evaluate", "steps");
        var logs = TestLoop(new EnumerableData(data, null, $"Model '{Name}': Evaluate"), steps, new CallbackList(this, callbacks));
        PrintResults(logs, verbose);
        return logs;
    }

    /// <summary>The outputs for the x of every batch of a <see cref="Dataset"/> or sequence of (x, y) batches (y is ignored), concatenated.</summary>
    /// <param name="data">The batches.</param>
    /// <param name="steps">Batches to predict (default: all).</param>
    /// <param name="callbacks">Called around the prediction and each batch.</param>
    public Tensor Predict(IEnumerable<(Tensor x, Tensor y)> data, int? steps = null, IEnumerable<Callback>? callbacks = null)
    {
        CheckSteps(steps, "Predict", "steps");
        var batches = new EnumerableData(data, null, $"Model '{Name}': Predict").Pass().Select(b => b.X);
        return PredictLoop(batches, steps, new CallbackList(this, callbacks))[0];
    }

    /// <summary>
    /// One training step on one batch (Keras's train_on_batch); returns that batch's loss and metrics
    /// (the metrics are reset first, as current Keras does).
    /// </summary>
    /// <param name="x">The batch's inputs.</param>
    /// <param name="y">The batch's targets.</param>
    /// <param name="sampleWeight">Optional weight per sample.</param>
    /// <param name="classWeight">Optional weight per class index (not with sampleWeight).</param>
    public Dictionary<string, double> TrainOnBatch(Tensor x, Tensor y, Tensor? sampleWeight = null, IReadOnlyDictionary<int, double>? classWeight = null)
    {
        RequireCompiled("TrainOnBatch");
        CheckArrays([x], [y], 1, "TrainOnBatch");
        sampleWeight = SampleWeightsFor(y, sampleWeight, classWeight, "TrainOnBatch");
        ResetMetrics();
        var (loss, outputLosses) = TrainStep([x], [y], sampleWeight);
        var means = new RunningMeans(heads.Count);
        means.Add(loss, outputLosses, x.Dims[0]);
        return CurrentLogs(means);
    }

    /// <summary>The loss and metrics of one batch in inference mode (Keras's test_on_batch).</summary>
    /// <param name="x">The batch's inputs.</param>
    /// <param name="y">The batch's targets.</param>
    /// <param name="sampleWeight">Optional weight per sample.</param>
    public Dictionary<string, double> TestOnBatch(Tensor x, Tensor y, Tensor? sampleWeight = null)
    {
        RequireCompiled("TestOnBatch");
        CheckArrays([x], [y], 1, "TestOnBatch");
        sampleWeight = SampleWeightsFor(y, sampleWeight, null, "TestOnBatch");
        return TestLoop(new TensorData([x], [y], sampleWeight, x.Dims[0], shuffle: false), null, new CallbackList(this, null));
    }

    /// <summary>The outputs for one batch in inference mode (Keras's predict_on_batch).</summary>
    /// <param name="x">The batch's inputs.</param>
    public Tensor PredictOnBatch(Tensor x) => Predict(x, batchSize: int.MaxValue);
}

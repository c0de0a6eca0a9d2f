using NormLab.Autograd;
using NormLab.Callbacks;
using NormLab.Distributed;
using NormLab.Losses;
using NormLab.Metrics;
using NormLab.Optimizers;

namespace NormLab;

public partial class Model
{
    private Optimizer? optimizer;
    private Loss? loss;
    private List<Metric> metrics = new();

    /// <summary>The optimizer set by <see cref="Compile"/>.</summary>
    public Optimizer? Optimizer => optimizer;

    /// <summary>True on ranks other than 0 during a distributed Fit: callbacks that write files skip them.</summary>
    internal bool IsNonRootReplica { get; private set; }

    /// <summary>The loss set by <see cref="Compile"/>.</summary>
    public Loss? Loss => loss;

    /// <summary>Configures training: <c>Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"])</c>.</summary>
    public void Compile(Optimizer? optimizer = null, Loss? loss = null, IEnumerable<Metric>? metrics = null)
    {
        this.optimizer = optimizer ?? "rmsprop";
        this.loss = loss ?? throw new ArgumentException($"Model '{Name}': Compile needs a loss, e.g. loss: \"sparse_categorical_crossentropy\".");
        this.metrics = (metrics ?? []).Select(m => m.ResolveFor(this.loss)).ToList();
    }

    /// <summary>
    /// Trains for <paramref name="epochs"/> passes over (x, y) in batches, with layers in training mode.
    /// Returns the loss and metrics per epoch (and val_* with validationSplit or validationData).
    /// </summary>
    /// <remarks>
    /// <c>distributed: true</c>: data-parallel training over MPI (run the program with <c>mpirun -np K</c>): every rank passes the
    /// same (x, y); <paramref name="batchSize"/> is the global batch, split across the ranks (unequal
    /// shards allowed); the initial weights come from rank 0; gradients are averaged so the weights stay
    /// identical on every rank; <c>BatchNormalization(synchronized: true)</c> (and the BN branch of
    /// <c>SwitchableNormalization</c>/<c>BatchInstanceNormalization</c> with it) uses the global batch's
    /// statistics; the loss and metrics are those of the global batch; only rank 0 prints. An exception
    /// on any rank aborts the whole job (MPI_Abort). Without mpirun it trains as one process.
    /// See <see cref="Communicator.World"/> for the rank, e.g. to let only rank 0 save the model.
    /// </remarks>
    /// <example><code>model.Fit(x, y, epochs: 3, batchSize: 64, distributed: true);
    /// if (Communicator.World.IsRoot) model.Save("model.normlab");</code></example>
    /// <param name="x">Inputs; the first axis is the sample.</param>
    /// <param name="y">Targets, one per sample.</param>
    /// <param name="epochs">The epoch to stop at (an index: with initialEpoch 2 and epochs 5, three epochs run).</param>
    /// <param name="batchSize">Samples per step; larger than the data gives one batch of all of it.</param>
    /// <param name="shuffle">Reshuffle the samples before every pass.</param>
    /// <param name="validationSplit">The last fraction of (x, y) (before shuffling) held out for validation; ignored when validationData is given, as in Keras.</param>
    /// <param name="validationData">Data to validate on at the end of each epoch.</param>
    /// <param name="callbacks">Callbacks; a History and (when verbose) a ProgbarLogger are added.</param>
    /// <param name="verbose">0 silent, 1 a progress bar, 2 one line per epoch.</param>
    /// <param name="distributed">Data-parallel training over MPI (see the remarks).</param>
    /// <param name="sampleWeight">Optional weight per sample, shape (N,): the loss is sum(w_i * loss_i) / batch size (Keras's sample_weight; metrics stay unweighted).</param>
    /// <param name="classWeight">Optional weight per class index, applied as sample weights (the label, or the arg-max of one-hot targets; missing classes weigh 1).</param>
    /// <param name="initialEpoch">The epoch to start from, e.g. to resume a training.</param>
    /// <param name="stepsPerEpoch">Steps per epoch; an epoch then need not be one pass (Keras's steps_per_epoch).</param>
    /// <param name="validationSteps">Batches of validation data per validation (default: all).</param>
    /// <param name="validationFreq">Validate every this many epochs (epochs validationFreq, 2 * validationFreq, ...).</param>
    public History Fit(Tensor x, Tensor y, int epochs = 1, int batchSize = 32, bool shuffle = true,
        double validationSplit = 0, (Tensor x, Tensor y)? validationData = null,
        IEnumerable<Callback>? callbacks = null, int verbose = 1, bool distributed = false,
        Tensor? sampleWeight = null, IReadOnlyDictionary<int, double>? classWeight = null, int initialEpoch = 0,
        int? stepsPerEpoch = null, int? validationSteps = null, int validationFreq = 1)
    {
        RequireCompiled("Fit");
        CheckData(x, y, batchSize, "Fit");
        CheckLoopOptions(epochs, initialEpoch, stepsPerEpoch, validationSteps, validationFreq);
        if (!(validationSplit >= 0 && validationSplit < 1))
            throw new ArgumentException($"Model '{Name}': Fit's validationSplit must be in [0, 1), received {validationSplit}.");
        sampleWeight = SampleWeightsFor(y, sampleWeight, classWeight, "Fit");
        Tensor? validationWeight = null;
        if (validationData is var (checkX, checkY)) CheckData(checkX, checkY, batchSize, "Fit's validationData");
        else if (validationSplit > 0)
        {
            // As Keras: the last fraction of the samples (and of their weights), taken before shuffling.
            int n = x.Dims[0], validation = (int)Math.Floor(n * validationSplit);
            if (validation == 0 || validation == n)
                throw new ArgumentException($"Model '{Name}': validationSplit {validationSplit} of {n} samples leaves an empty training or validation set.");
            validationData = (Batches.Rows(x, n - validation, validation), Batches.Rows(y, n - validation, validation));
            if (sampleWeight != null) validationWeight = Batches.Rows(sampleWeight, n - validation, validation);
            (x, y) = (Batches.Rows(x, 0, n - validation), Batches.Rows(y, 0, n - validation));
            if (sampleWeight != null) sampleWeight = Batches.Rows(sampleWeight, 0, n - validation);
        }
        if (!Built) Build(Batches.Rows(x, 0, 1).Shape);
        var replicas = distributed ? StartDataParallel(batchSize, ref verbose) : null;
        var train = new TensorData(x, y, sampleWeight, batchSize, shuffle, replicas?.Size ?? 1,
            replicas == null ? null : replicas.BroadcastOrder);
        if (train.Dropped > 0 && verbose > 0)
            Console.WriteLine($"Note: the last {train.Dropped} sample(s) of each epoch are skipped (fewer than the {replicas!.Size} ranks).");
        var validationSet = validationData is var (vx, vy) ? new TensorData(vx, vy, validationWeight, batchSize, shuffle: false) : null;
        return RunFit(new EpochIterator(train, stepsPerEpoch), validationSet, epochs, initialEpoch, validationSteps, validationFreq, callbacks, verbose, replicas);
    }

    /// <summary>
    /// The training loop shared by every Fit: epochs from initialEpoch (or where BackupAndRestore
    /// resumes), callbacks around every step and epoch, validation every validationFreq epochs.
    /// </summary>
    private History RunFit(EpochIterator train, DataAdapter? validation, int epochs, int initialEpoch, int? validationSteps,
        int validationFreq, IEnumerable<Callback>? callbacks, int verbose, DataParallel? replicas)
    {
        var callbackList = new CallbackList(this, callbacks, new TrainingParams(epochs, train.Steps, verbose));
        using var scope = SyncBatchStatistics.Enter(replicas?.Statistics);
        try
        {
            (StopTraining, ResumeEpoch) = (false, null);
            callbackList.OnTrainBegin();
            int first = ResumeEpoch ?? initialEpoch;
            for (int epoch = first; epoch < epochs && !StopTraining; epoch++)
            {
                callbackList.OnEpochBegin(epoch);
                var logs = TrainEpoch(train, epoch, epoch == first, verbose, callbackList, replicas);
                if (logs == null) break;
                if (validation != null && (epoch + 1) % validationFreq == 0)
                    foreach (var (key, value) in TestLoop(validation, validationSteps, callbackList)) logs["val_" + key] = value;
                callbackList.OnEpochEnd(epoch, logs);
            }
            if (epochs > 0) optimizer!.FinalizeVariableValues(TrainableWeights);   // As Keras: EMA weights replace the trained ones.
            callbackList.OnTrainEnd();
        }
        catch (Exception e) when (replicas != null && replicas.Size > 1)
        {
            // The other ranks are (or soon will be) waiting in a collective: stop the whole job.
            replicas.Communicator.Abort($"Model '{Name}': {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            IsNonRootReplica = false;
            train.Close();
        }
        return callbackList.History!;
    }

    /// <summary>Set by BackupAndRestore in OnTrainBegin: the epoch a restored training continues from.</summary>
    internal int? ResumeEpoch { get; set; }

    private DataParallel StartDataParallel(int batchSize, ref int verbose)
    {
        var replicas = new DataParallel(Communicator.World);
        if (batchSize < replicas.Size)
            throw new ArgumentException($"Model '{Name}': distributed Fit needs a global batchSize >= the number of ranks ({replicas.Size}), received {batchSize}.");
        if (!replicas.Communicator.IsRoot) (verbose, IsNonRootReplica) = (0, true);
        replicas.BroadcastWeights(Weights);
        return replicas;
    }

    /// <summary>One epoch's steps; null when the data had no batch left (it ran out under stepsPerEpoch).</summary>
    private Dictionary<string, double>? TrainEpoch(EpochIterator train, int epoch, bool firstEpoch, int verbose,
        CallbackList callbacks, DataParallel? replicas)
    {
        var lossMean = new RunningMean();
        metrics.ForEach(m => m.ResetState());
        var logs = new Dictionary<string, double>();
        int step = 0;
        bool warned = false;
        foreach (var batch in train.Epoch())
        {
            callbacks.OnTrainBatchBegin(step);
            double stepLoss = replicas == null ? TrainStep(batch.X, batch.Y, batch.SampleWeight) : TrainShard(batch, replicas);
            lossMean.Add(stepLoss, batch.Count);
            if (!double.IsFinite(stepLoss) && !warned && verbose > 0)
            {
                Console.WriteLine($"\nWarning: the loss is {stepLoss} at epoch {epoch + 1}, step {step + 1}.");
                warned = true;
            }
            logs = CurrentLogs(lossMean.Value);
            callbacks.OnTrainBatchEnd(step, new Dictionary<string, double>(logs) { ["loss"] = stepLoss });
            step++;
            if (StopTraining) break;
        }
        if (train.RanOut)
        {
            // As Keras: data of unknown length that cannot fill stepsPerEpoch interrupts training.
            StopTraining = true;
            if (verbose > 0)
                Console.WriteLine("\nWarning: your input ran out of data; interrupting training. Make sure that your dataset can generate at least stepsPerEpoch * epochs batches (use .Repeat()).");
        }
        if (step > 0) return logs;
        if (firstEpoch && !StopTraining)
            throw new ArgumentException($"Model '{Name}': Fit received no batches (the data is empty).");
        return null;
    }

    /// <summary>A distributed step on this rank's shard of a global batch.</summary>
    private double TrainShard(DataBatch batch, DataParallel replicas)
    {
        int count = batch.Count;
        var (start, shard) = DataParallel.Shard(count, replicas.Rank, replicas.Size);
        return TrainStep(Batches.Rows(batch.X, start, shard), Batches.Rows(batch.Y, start, shard),
            batch.SampleWeight == null ? null : Batches.Rows(batch.SampleWeight, start, shard), replicas, count);
    }

    /// <summary>
    /// One forward, backward and optimizer step on a batch; returns the batch loss. Distributed, the
    /// batch is this rank's shard of <paramref name="globalCount"/> samples and the loss is the global one.
    /// </summary>
    internal double TrainStep(Tensor xb, Tensor yb, Tensor? sampleWeight = null, DataParallel? replicas = null, int globalCount = 0)
    {
        var weights = TrainableWeights;
        foreach (var w in weights) w.Grad = null;
        var prediction = Call(xb, training: true);
        var total = loss!.Compute(yb, prediction, sampleWeight);
        foreach (var penalty in RegularizationPenalties()) total = Ops.Add(total, penalty);
        // Distributed: the shard's share n_r / N of the global loss, so gradients simply sum over ranks.
        double share = replicas == null ? 1 : (double)xb.Dims[0] / globalCount;
        if (total.RequiresGrad) total.Backward(replicas == null ? null : Tensor.Full(total.Shape, share));
        double stepLoss = total.Item() * share;
        if (replicas != null) stepLoss = replicas.AllreduceGradients(weights, stepLoss);
        optimizer!.Apply(weights);
        ApplyConstraints();
        if (replicas != null && metrics.Count > 0)
        {
            var counts = replicas.ShardCounts(globalCount);
            (yb, prediction) = replicas.Gather(yb, prediction, counts);
        }
        using (Tape.NoGrad()) metrics.ForEach(m => m.UpdateState(yb, prediction));
        return stepLoss;
    }

    /// <summary>The loss and metrics on (x, y) with layers in inference mode.</summary>
    /// <param name="x">Inputs; the first axis is the sample.</param>
    /// <param name="y">Targets, one per sample.</param>
    /// <param name="batchSize">Samples per batch; larger than the data gives one batch.</param>
    /// <param name="verbose">1 prints the results.</param>
    /// <param name="sampleWeight">Optional weight per sample for the loss, shape (N,).</param>
    /// <param name="steps">Batches to evaluate (default: all).</param>
    /// <param name="callbacks">Called around the evaluation and each batch.</param>
    public Dictionary<string, double> Evaluate(Tensor x, Tensor y, int batchSize = 32, int verbose = 0,
        Tensor? sampleWeight = null, int? steps = null, IEnumerable<Callback>? callbacks = null)
    {
        RequireCompiled("Evaluate");
        CheckData(x, y, batchSize, "Evaluate");
        CheckSteps(steps, "Evaluate", "steps");
        sampleWeight = SampleWeightsFor(y, sampleWeight, null, "Evaluate");
        var logs = TestLoop(new TensorData(x, y, sampleWeight, batchSize, shuffle: false), steps, new CallbackList(this, callbacks));
        PrintResults(logs, verbose);
        return logs;
    }

    /// <summary>The test loop of Evaluate and of Fit's validation: the loss weighted by batch size, the metrics over every batch.</summary>
    private Dictionary<string, double> TestLoop(DataAdapter data, int? steps, CallbackList callbacks)
    {
        using var _ = Tape.NoGrad();
        var lossMean = new RunningMean();
        metrics.ForEach(m => m.ResetState());
        callbacks.OnTestBegin();
        int step = 0;
        foreach (var batch in data.Pass().Take(steps ?? int.MaxValue))
        {
            callbacks.OnTestBatchBegin(step);
            var prediction = Call(batch.X, training: false);
            lossMean.Add(loss!.Compute(batch.Y, prediction, batch.SampleWeight).Item(), batch.Count);
            metrics.ForEach(m => m.UpdateState(batch.Y, prediction));
            callbacks.OnTestBatchEnd(step++, CurrentLogs(lossMean.Value));
        }
        if (step == 0) throw new ArgumentException($"Model '{Name}': there are no batches to evaluate (the data is empty).");
        var logs = CurrentLogs(lossMean.Value);
        callbacks.OnTestEnd(logs);
        return logs;
    }

    /// <summary>The outputs for x, computed in batches with layers in inference mode.</summary>
    /// <param name="x">Inputs; the first axis is the sample.</param>
    /// <param name="batchSize">Samples per batch; larger than the data gives one batch.</param>
    /// <param name="steps">Batches to predict (default: all).</param>
    /// <param name="callbacks">Called around the prediction and each batch.</param>
    public Tensor Predict(Tensor x, int batchSize = 32, int? steps = null, IEnumerable<Callback>? callbacks = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (batchSize < 1) throw new ArgumentException($"Model '{Name}': batchSize must be >= 1, received {batchSize}.");
        if (x.Rank == 0 || x.Dims[0] == 0) throw new ArgumentException($"Model '{Name}': Predict received an empty dataset of shape {Shapes.Format(x.Dims)}.");
        CheckSteps(steps, "Predict", "steps");
        int n = x.Dims[0];
        batchSize = Math.Min(batchSize, n);
        var batches = Enumerable.Range(0, (n + batchSize - 1) / batchSize)
            .Select(i => Batches.Rows(x, i * batchSize, Math.Min(batchSize, n - i * batchSize)));
        return PredictLoop(batches, steps, new CallbackList(this, callbacks));
    }

    private Tensor PredictLoop(IEnumerable<Tensor> batches, int? steps, CallbackList callbacks)
    {
        using var _ = Tape.NoGrad();
        callbacks.OnPredictBegin();
        var parts = new List<Tensor>();
        foreach (var xb in batches.Take(steps ?? int.MaxValue))
        {
            callbacks.OnPredictBatchBegin(parts.Count);
            var outputs = Call(xb, training: false);
            callbacks.OnPredictBatchEnd(parts.Count, outputs);
            parts.Add(outputs);
        }
        if (parts.Count == 0) throw new ArgumentException($"Model '{Name}': Predict received no batches (the data is empty).");
        callbacks.OnPredictEnd();
        return parts.Count == 1 ? parts[0] : Ops.Concat(parts, 0);
    }

    private static void PrintResults(Dictionary<string, double> logs, int verbose)
    {
        if (verbose > 0) Console.WriteLine(string.Join(" - ", logs.Select(kv => $"{kv.Key}: {kv.Value:F4}")));
    }

    private Dictionary<string, double> CurrentLogs(double lossValue)
    {
        var logs = new Dictionary<string, double> { ["loss"] = lossValue };
        foreach (var metric in metrics) logs[metric.Name] = metric.Result();
        return logs;
    }

    private void RequireCompiled(string method)
    {
        if (loss == null || optimizer == null)
            throw new InvalidOperationException($"Model '{Name}': you must call Compile() before {method}().");
    }

    private void CheckLoopOptions(int epochs, int initialEpoch, int? stepsPerEpoch, int? validationSteps, int validationFreq)
    {
        if (epochs < 0) throw new ArgumentException($"Model '{Name}': Fit's epochs must be >= 0, received {epochs}.");
        if (initialEpoch < 0) throw new ArgumentException($"Model '{Name}': Fit's initialEpoch must be >= 0, received {initialEpoch}.");
        CheckSteps(stepsPerEpoch, "Fit", "stepsPerEpoch");
        CheckSteps(validationSteps, "Fit", "validationSteps");
        if (validationFreq < 1) throw new ArgumentException($"Model '{Name}': Fit's validationFreq must be >= 1, received {validationFreq}.");
    }

    private void CheckSteps(int? steps, string method, string argument)
    {
        if (steps < 1) throw new ArgumentException($"Model '{Name}': {method}'s {argument} must be >= 1 (or null for all the data), received {steps}.");
    }

    /// <summary>The per-sample weights of a Fit or Evaluate on tensors: sampleWeight, checked, or classWeight turned into them.</summary>
    private Tensor? SampleWeightsFor(Tensor y, Tensor? sampleWeight, IReadOnlyDictionary<int, double>? classWeight, string method)
    {
        if (sampleWeight != null && classWeight != null)
            throw new ArgumentException($"Model '{Name}': {method} received both sampleWeight and classWeight; give one of them (as Keras).");
        if (classWeight != null)
        {
            ClassWeights.Check(classWeight, $"Model '{Name}': {method}");
            return ClassWeights.ToSampleWeights(y, classWeight);
        }
        if (sampleWeight == null) return null;
        int n = y.Dims[0];
        if (sampleWeight.Size != n || sampleWeight.Rank is 0 or > 2 || (sampleWeight.Rank == 2 && sampleWeight.Dims[1] != 1))
            throw new ArgumentException($"Model '{Name}': {method}'s sampleWeight must have shape ({n},), one weight per sample, received shape {Shapes.Format(sampleWeight.Dims)}.");
        int bad = Array.FindIndex(sampleWeight.Data, w => !float.IsFinite(w));
        if (bad >= 0) throw new ArgumentException($"Model '{Name}': {method}'s sampleWeight[{bad}] is {sampleWeight.Data[bad]}; sample weights must be finite.");
        return sampleWeight.Reshape(n);
    }

    private void CheckData(Tensor x, Tensor y, int batchSize, string method)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (batchSize < 1) throw new ArgumentException($"Model '{Name}': batchSize must be >= 1, received {batchSize}.");
        if (x.Rank == 0 || x.Dims[0] == 0) throw new ArgumentException($"Model '{Name}': {method} received an empty dataset (x has shape {Shapes.Format(x.Dims)}).");
        if (y.Rank == 0 || y.Dims[0] != x.Dims[0])
            throw new ArgumentException($"Model '{Name}': x has {x.Dims[0]} samples but y has shape {Shapes.Format(y.Dims)}; they must have the same first dimension.");
    }

    /// <summary>A mean weighted by batch size, as Keras averages the loss over an epoch.</summary>
    private sealed class RunningMean
    {
        private double total, count;
        internal void Add(double value, int weight) { total += value * weight; count += weight; }
        internal double Value => count == 0 ? 0 : total / count;
    }
}

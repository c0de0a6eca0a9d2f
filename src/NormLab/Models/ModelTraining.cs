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
    private List<OutputHead> heads = new();

    /// <summary>The optimizer set by <see cref="Compile(Optimizer?, Loss?, IEnumerable{Metric}?)"/>.</summary>
    public Optimizer? Optimizer => optimizer;

    /// <summary>True on ranks other than 0 during a distributed Fit: callbacks that write files skip them.</summary>
    internal bool IsNonRootReplica { get; private set; }

    /// <summary>The loss set by <see cref="Compile(Optimizer?, Loss?, IEnumerable{Metric}?)"/> (the first output's for a model with several outputs).</summary>
    public Loss? Loss => heads.Count > 0 ? heads[0].Loss : null;

    /// <summary>
    /// Configures training: <c>Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"])</c>.
    /// A model with several outputs trains every output with this loss (pass one loss per output to choose each).
    /// </summary>
    /// <param name="optimizer">The optimizer ("rmsprop" when null, as Keras).</param>
    /// <param name="loss">The loss (required).</param>
    /// <param name="metrics">Metrics reported during training and evaluation ("accuracy" resolves by loss).</param>
    /// <exception cref="ArgumentException">When <paramref name="loss"/> is null, or <paramref name="metrics"/> are given for a model with several outputs.</exception>
    public void Compile(Optimizer? optimizer = null, Loss? loss = null, IEnumerable<Metric>? metrics = null)
    {
        var only = loss ?? throw new ArgumentException($"Model '{Name}': Compile needs a loss, e.g. loss: \"sparse_categorical_crossentropy\".");
        var names = OutputNames;
        var list = (metrics ?? []).ToList();
        if (names.Count > 1 && list.Count > 0)
            throw new ArgumentException($"Model '{Name}': has {names.Count} outputs ({string.Join(", ", names)}); give metrics per output: metrics: [[...], [...]].");
        Compile(optimizer, names.Select(_ => only).ToList(), metrics: names.Count == 1 ? [list] : null);
    }

    private void SetHeads(Optimizer? optimizer, List<OutputHead> heads)
    {
        this.optimizer = optimizer ?? "rmsprop";
        this.heads = heads;
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
        int? stepsPerEpoch = null, int? validationSteps = null, int validationFreq = 1) =>
        Fit([x], [y], epochs, batchSize, shuffle, validationSplit, validationData is var (vx, vy) ? ([vx], [vy]) : null,
            callbacks, verbose, distributed, sampleWeight, classWeight, initialEpoch, stepsPerEpoch, validationSteps, validationFreq);

    /// <summary>
    /// Trains a model with several inputs or outputs: one array per input in <paramref name="x"/> and one per output in
    /// <paramref name="y"/>, in order, as Keras's <c>fit([xa, xb], [y_cls, y_reg])</c>; otherwise as the single-array Fit.
    /// A sample weight applies to every output's loss; classWeight needs a single output (as Keras).
    /// </summary>
    /// <param name="x">One array per input; the first axis is the sample.</param>
    /// <param name="y">One array of targets per output.</param>
    /// <param name="epochs">The epoch to stop at (an index: with initialEpoch 2 and epochs 5, three epochs run).</param>
    /// <param name="batchSize">Samples per step; larger than the data gives one batch of all of it.</param>
    /// <param name="shuffle">Reshuffle the samples before every pass.</param>
    /// <param name="validationSplit">The last fraction of the samples (before shuffling) held out for validation; ignored when validationData is given.</param>
    /// <param name="validationData">Arrays to validate on at the end of each epoch.</param>
    /// <param name="callbacks">Callbacks; a History and (when verbose) a ProgbarLogger are added.</param>
    /// <param name="verbose">0 silent, 1 a progress bar, 2 one line per epoch.</param>
    /// <param name="distributed">Data-parallel training over MPI (see the single-array Fit).</param>
    /// <param name="sampleWeight">Optional weight per sample, shape (N,).</param>
    /// <param name="classWeight">Optional weight per class index (single-output models).</param>
    /// <param name="initialEpoch">The epoch to start from.</param>
    /// <param name="stepsPerEpoch">Steps per epoch (Keras's steps_per_epoch).</param>
    /// <param name="validationSteps">Batches of validation data per validation (default: all).</param>
    /// <param name="validationFreq">Validate every this many epochs.</param>
    /// <exception cref="InvalidOperationException">When the model has not been compiled.</exception>
    /// <exception cref="ArgumentNullException">When <paramref name="x"/> or one of the arrays is null.</exception>
    /// <exception cref="ArgumentException">When the arrays do not match the model's inputs and outputs or differ in sample count, the data is empty, an option is out of range, <paramref name="validationSplit"/> is outside [0, 1) or leaves an empty set, both <paramref name="sampleWeight"/> and <paramref name="classWeight"/> are given, <paramref name="classWeight"/> is given for several outputs, or a sample weight is malformed.</exception>
    public History Fit(Tensor[] x, Tensor[] y, int epochs = 1, int batchSize = 32, bool shuffle = true,
        double validationSplit = 0, (Tensor[] x, Tensor[] y)? validationData = null,
        IEnumerable<Callback>? callbacks = null, int verbose = 1, bool distributed = false,
        Tensor? sampleWeight = null, IReadOnlyDictionary<int, double>? classWeight = null, int initialEpoch = 0,
        int? stepsPerEpoch = null, int? validationSteps = null, int validationFreq = 1)
    {
        RequireCompiled("Fit");
        CheckArrays(x, y, batchSize, "Fit");
        CheckLoopOptions(epochs, initialEpoch, stepsPerEpoch, validationSteps, validationFreq);
        if (!(validationSplit >= 0 && validationSplit < 1))
            throw new ArgumentException($"Model '{Name}': Fit's validationSplit must be in [0, 1), received {validationSplit}.");
        sampleWeight = SampleWeightsFor(y, sampleWeight, classWeight, "Fit");
        Tensor? validationWeight = null;
        if (validationData is var (checkX, checkY)) CheckArrays(checkX, checkY, batchSize, "Fit's validationData");
        else if (validationSplit > 0)
        {
            // As Keras: the last fraction of the samples (and of their weights), taken before shuffling.
            int n = x[0].Dims[0], validation = (int)Math.Floor(n * validationSplit);
            if (validation == 0 || validation == n)
                throw new ArgumentException($"Model '{Name}': validationSplit {validationSplit} of {n} samples leaves an empty training or validation set.");
            validationData = (Batches.Rows(x, n - validation, validation), Batches.Rows(y, n - validation, validation));
            if (sampleWeight != null) validationWeight = Batches.Rows(sampleWeight, n - validation, validation);
            (x, y) = (Batches.Rows(x, 0, n - validation), Batches.Rows(y, 0, n - validation));
            if (sampleWeight != null) sampleWeight = Batches.Rows(sampleWeight, 0, n - validation);
        }
        if (!Built) Build(Batches.Rows(x[0], 0, 1).Shape);
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
        var lossMeans = new RunningMeans(heads.Count);
        ResetMetrics();
        var logs = new Dictionary<string, double>();
        int step = 0;
        bool warned = false;
        foreach (var batch in train.Epoch())
        {
            callbacks.OnTrainBatchBegin(step);
            var (stepLoss, outputLosses) = replicas == null ? TrainStep(batch.X, batch.Y, batch.SampleWeight) : TrainShard(batch, replicas);
            lossMeans.Add(stepLoss, outputLosses, batch.Count);
            if (!double.IsFinite(stepLoss) && !warned && verbose > 0)
            {
                Console.WriteLine($"\nWarning: the loss is {stepLoss} at epoch {epoch + 1}, step {step + 1}.");
                warned = true;
            }
            logs = CurrentLogs(lossMeans);
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
    private (double loss, double[] outputLosses) TrainShard(DataBatch batch, DataParallel replicas)
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
    internal (double loss, double[] outputLosses) TrainStep(Tensor[] xb, Tensor[] yb, Tensor? sampleWeight = null, DataParallel? replicas = null, int globalCount = 0)
    {
        var weights = TrainableWeights;
        foreach (var w in weights) w.Grad = null;
        var predictions = CallOnList(xb, training: true);
        var (total, outputLosses) = ComputeLosses(yb, predictions, sampleWeight);
        foreach (var penalty in RegularizationPenalties()) total = Ops.Add(total, penalty);
        // Distributed: the shard's share n_r / N of the global loss, so gradients simply sum over ranks.
        double share = replicas == null ? 1 : (double)xb[0].Dims[0] / globalCount;
        if (total.RequiresGrad) total.Backward(replicas == null ? null : Tensor.Full(total.Shape, share));
        double stepLoss = total.Item() * share;
        if (replicas != null) stepLoss = replicas.AllreduceGradients(weights, stepLoss);
        optimizer!.Apply(weights);
        ApplyConstraints();
        // Distributed, each output's own loss is this shard's (the total above is the global one).
        if (replicas != null && heads.Any(h => h.Metrics.Count > 0))
        {
            var counts = replicas.ShardCounts(globalCount);
            for (int i = 0; i < heads.Count; i++) (yb[i], predictions[i]) = replicas.Gather(yb[i], predictions[i], counts);
        }
        using (Tape.NoGrad()) UpdateMetrics(yb, predictions);
        // Nothing of the step's graph is seen outside it: its memory goes to the next step's activations.
        Tape.ReleaseGraph([total, .. predictions], [.. xb, .. yb, sampleWeight]);
        return (stepLoss, outputLosses);
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
        Tensor? sampleWeight = null, int? steps = null, IEnumerable<Callback>? callbacks = null) =>
        Evaluate([x], [y], batchSize, verbose, sampleWeight, steps, callbacks);

    /// <summary>The loss and metrics of a model with several inputs or outputs: one array per input and per output.</summary>
    /// <param name="x">One array per input.</param>
    /// <param name="y">One array of targets per output.</param>
    /// <param name="batchSize">Samples per batch; larger than the data gives one batch.</param>
    /// <param name="verbose">1 prints the results.</param>
    /// <param name="sampleWeight">Optional weight per sample for the losses, shape (N,).</param>
    /// <param name="steps">Batches to evaluate (default: all).</param>
    /// <param name="callbacks">Called around the evaluation and each batch.</param>
    public Dictionary<string, double> Evaluate(Tensor[] x, Tensor[] y, int batchSize = 32, int verbose = 0,
        Tensor? sampleWeight = null, int? steps = null, IEnumerable<Callback>? callbacks = null)
    {
        RequireCompiled("Evaluate");
        CheckArrays(x, y, batchSize, "Evaluate");
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
        var lossMeans = new RunningMeans(heads.Count);
        ResetMetrics();
        callbacks.OnTestBegin();
        int step = 0;
        foreach (var batch in data.Pass().Take(steps ?? int.MaxValue))
        {
            callbacks.OnTestBatchBegin(step);
            var predictions = CallOnList(batch.X, training: false);
            var (total, outputLosses) = ComputeLosses(batch.Y, predictions, batch.SampleWeight);
            lossMeans.Add(total.Item(), outputLosses, batch.Count);
            UpdateMetrics(batch.Y, predictions);
            callbacks.OnTestBatchEnd(step++, CurrentLogs(lossMeans));
        }
        if (step == 0) throw new ArgumentException($"Model '{Name}': there are no batches to evaluate (the data is empty).");
        var logs = CurrentLogs(lossMeans);
        callbacks.OnTestEnd(logs);
        return logs;
    }

    /// <summary>The outputs for x, computed in batches with layers in inference mode.</summary>
    /// <param name="x">Inputs; the first axis is the sample.</param>
    /// <param name="batchSize">Samples per batch; larger than the data gives one batch.</param>
    /// <param name="steps">Batches to predict (default: all).</param>
    /// <param name="callbacks">Called around the prediction and each batch.</param>
    /// <exception cref="ArgumentException">When the model has several outputs, or <paramref name="x"/>, <paramref name="batchSize"/> or <paramref name="steps"/> is invalid as for the array overload.</exception>
    public Tensor Predict(Tensor x, int batchSize = 32, int? steps = null, IEnumerable<Callback>? callbacks = null)
    {
        if (OutputNames.Count != 1)
            throw new ArgumentException($"Model '{Name}': has {OutputNames.Count} outputs; Predict([...]) returns one array per output.");
        return Predict([x], batchSize, steps, callbacks)[0];
    }

    /// <summary>The outputs of a model with several inputs or outputs: one array per input in, one per output out.</summary>
    /// <param name="x">One array per input.</param>
    /// <param name="batchSize">Samples per batch; larger than the data gives one batch.</param>
    /// <param name="steps">Batches to predict (default: all).</param>
    /// <param name="callbacks">Called around the prediction and each batch (with the batch's first output).</param>
    /// <exception cref="ArgumentNullException">When <paramref name="x"/> or one of its arrays is null.</exception>
    /// <exception cref="ArgumentException">When <paramref name="batchSize"/> or <paramref name="steps"/> is below 1, the data is empty, or the arrays do not match the model's inputs or differ in sample count.</exception>
    public Tensor[] Predict(Tensor[] x, int batchSize = 32, int? steps = null, IEnumerable<Callback>? callbacks = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (batchSize < 1) throw new ArgumentException($"Model '{Name}': batchSize must be >= 1, received {batchSize}.");
        if (x.Length == 0 || x[0] == null || x[0].Rank == 0 || x[0].Dims[0] == 0)
            throw new ArgumentException($"Model '{Name}': Predict received an empty dataset{(x.Length > 0 && x[0] != null ? $" of shape {Shapes.Format(x[0].Dims)}" : "")}.");
        CheckArrays(x, null, batchSize, "Predict");
        CheckSteps(steps, "Predict", "steps");
        int n = x[0].Dims[0];
        batchSize = Math.Min(batchSize, n);
        var batches = Enumerable.Range(0, (n + batchSize - 1) / batchSize)
            .Select(i => Batches.Rows(x, i * batchSize, Math.Min(batchSize, n - i * batchSize)));
        return PredictLoop(batches, steps, new CallbackList(this, callbacks), ownsBatches: true);
    }

    /// <summary>The outputs of the model on each batch, concatenated; <paramref name="ownsBatches"/>: the batches are copies this loop may release.</summary>
    private Tensor[] PredictLoop(IEnumerable<Tensor[]> batches, int? steps, CallbackList callbacks, bool ownsBatches = false)
    {
        using var _ = Tape.NoGrad();
        callbacks.OnPredictBegin();
        var parts = new List<Tensor[]>();
        foreach (var xb in batches.Take(steps ?? int.MaxValue))
        {
            callbacks.OnPredictBatchBegin(parts.Count);
            var outputs = CallOnList(xb, training: false);
            if (ownsBatches) foreach (var input in xb) Intermediates.Release(input, outputs);
            callbacks.OnPredictBatchEnd(parts.Count, outputs[0]);
            parts.Add(outputs);
        }
        if (parts.Count == 0) throw new ArgumentException($"Model '{Name}': Predict received no batches (the data is empty).");
        callbacks.OnPredictEnd();
        if (parts.Count == 1) return parts[0];
        var result = Enumerable.Range(0, parts[0].Length).Select(o => Ops.Concat(parts.Select(p => p[o]).ToList(), 0)).ToArray();
        foreach (var part in parts.SelectMany(p => p)) Intermediates.Release(part, result);
        return result;
    }

    private static void PrintResults(Dictionary<string, double> logs, int verbose)
    {
        if (verbose > 0) Console.WriteLine(string.Join(" - ", logs.Select(kv => $"{kv.Key}: {kv.Value:F4}")));
    }

    /// <summary>"loss", then for several outputs each output's "{name}_loss", then "{prefix}{metric}" per output.</summary>
    private Dictionary<string, double> CurrentLogs(RunningMeans losses)
    {
        var logs = new Dictionary<string, double> { ["loss"] = losses.Total };
        if (heads.Count > 1)
            for (int i = 0; i < heads.Count; i++) logs[heads[i].Prefix + "loss"] = losses.Output(i);
        foreach (var head in heads)
            foreach (var metric in head.Metrics) logs[head.Prefix + metric.Name] = metric.Result();
        return logs;
    }

    private void ResetMetrics() => heads.ForEach(h => h.Metrics.ForEach(m => m.ResetState()));

    private void UpdateMetrics(IReadOnlyList<Tensor> ys, IReadOnlyList<Tensor> predictions)
    {
        for (int i = 0; i < heads.Count; i++) heads[i].Metrics.ForEach(m => m.UpdateState(ys[i], predictions[i]));
    }

    private void RequireCompiled(string method)
    {
        if (heads.Count == 0 || optimizer == null)
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

    /// <summary>The per-sample weights of a Fit or Evaluate on arrays: sampleWeight, checked, or classWeight turned into them (single output).</summary>
    private Tensor? SampleWeightsFor(IReadOnlyList<Tensor> ys, Tensor? sampleWeight, IReadOnlyDictionary<int, double>? classWeight, string method)
    {
        if (classWeight != null && ys.Count != 1)
            throw new ArgumentException($"Model '{Name}': {method}'s classWeight needs a model with one output; this one has {ys.Count} (as Keras: use sampleWeight).");
        return SampleWeightsFor(ys[0], sampleWeight, classWeight, method);
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

    /// <summary>Means weighted by batch size, as Keras averages the loss over an epoch: the total and each output's.</summary>
    private sealed class RunningMeans(int outputs)
    {
        private readonly double[] outputTotals = new double[outputs];
        private double total, count;

        internal void Add(double value, double[] outputValues, int weight)
        {
            total += value * weight;
            for (int i = 0; i < outputTotals.Length; i++) outputTotals[i] += outputValues[i] * weight;
            count += weight;
        }

        internal double Total => count == 0 ? 0 : total / count;

        internal double Output(int i) => count == 0 ? 0 : outputTotals[i] / count;
    }
}

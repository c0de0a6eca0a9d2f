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
    public History Fit(Tensor x, Tensor y, int epochs = 1, int batchSize = 32, bool shuffle = true,
        double validationSplit = 0, (Tensor x, Tensor y)? validationData = null,
        IEnumerable<Callback>? callbacks = null, int verbose = 1, bool distributed = false)
    {
        RequireCompiled("Fit");
        CheckData(x, y, batchSize, "Fit");
        if (epochs < 0) throw new ArgumentException($"Model '{Name}': epochs must be >= 0, received {epochs}.");
        if (validationSplit < 0 || validationSplit >= 1)
            throw new ArgumentException($"Model '{Name}': validationSplit must be in [0, 1), received {validationSplit}.");
        if (validationSplit > 0)
        {
            // As Keras: the last fraction of the samples, taken before shuffling.
            int n = x.Dims[0], validation = (int)Math.Floor(n * validationSplit);
            if (validation == 0 || validation == n)
                throw new ArgumentException($"Model '{Name}': validationSplit {validationSplit} of {n} samples leaves an empty training or validation set.");
            validationData = (Batches.Rows(x, n - validation, validation), Batches.Rows(y, n - validation, validation));
            (x, y) = (Batches.Rows(x, 0, n - validation), Batches.Rows(y, 0, n - validation));
        }
        var callbackList = (callbacks ?? []).ToList();
        foreach (var callback in callbackList) callback.Model = this;
        var history = new History();
        var replicas = distributed ? StartDataParallel(x, batchSize, ref verbose) : null;
        using var scope = SyncBatchStatistics.Enter(replicas?.Statistics);
        try
        {
            StopTraining = false;
            callbackList.ForEach(c => c.OnTrainBegin());
            for (int epoch = 0; epoch < epochs && !StopTraining; epoch++)
            {
                callbackList.ForEach(c => c.OnEpochBegin(epoch));
                var logs = TrainEpoch(x, y, batchSize, shuffle, epoch, epochs, verbose, callbackList, validationData, replicas);
                history.Append(logs);
                callbackList.ForEach(c => c.OnEpochEnd(epoch, logs));
            }
            if (epochs > 0) optimizer!.FinalizeVariableValues(TrainableWeights);   // As Keras: EMA weights replace the trained ones.
            callbackList.ForEach(c => c.OnTrainEnd());
        }
        catch (Exception e) when (replicas != null && replicas.Size > 1)
        {
            // The other ranks are (or soon will be) waiting in a collective: stop the whole job.
            replicas.Communicator.Abort($"Model '{Name}': {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            IsNonRootReplica = false;
        }
        return history;
    }

    private DataParallel StartDataParallel(Tensor x, int batchSize, ref int verbose)
    {
        var replicas = new DataParallel(Communicator.World);
        if (batchSize < replicas.Size)
            throw new ArgumentException($"Model '{Name}': distributed Fit needs a global batchSize >= the number of ranks ({replicas.Size}), received {batchSize}.");
        if (!replicas.Communicator.IsRoot) (verbose, IsNonRootReplica) = (0, true);
        if (!Built) Build(Batches.Rows(x, 0, 1).Shape);
        replicas.BroadcastWeights(Weights);
        return replicas;
    }

    private Dictionary<string, double> TrainEpoch(Tensor x, Tensor y, int batchSize, bool shuffle, int epoch, int epochs,
        int verbose, List<Callback> callbacks, (Tensor x, Tensor y)? validationData, DataParallel? replicas)
    {
        int n = x.Dims[0], steps = (n + batchSize - 1) / batchSize;
        var order = shuffle ? NormLabRandom.Permutation(n) : Enumerable.Range(0, n).ToArray();
        if (replicas != null)
        {
            if (shuffle) replicas.BroadcastOrder(order);
            // A last batch smaller than the number of ranks would leave a rank without samples.
            if (n % batchSize != 0 && n % batchSize < replicas.Size)
            {
                steps--;
                if (verbose > 0 && epoch == 0)
                    Console.WriteLine($"Note: the last {n % batchSize} sample(s) of each epoch are skipped (fewer than the {replicas.Size} ranks).");
            }
        }
        var lossMean = new RunningMean();
        metrics.ForEach(m => m.ResetState());
        ProgressBar.EpochHeader(verbose, epoch, epochs);
        var progress = new ProgressBar(verbose, steps);
        var logs = new Dictionary<string, double>();
        bool warned = false;
        for (int step = 0; step < steps && !StopTraining; step++)
        {
            int start = step * batchSize, count = Math.Min(batchSize, n - start);
            var (shardStart, shardCount) = replicas == null ? (0, count) : DataParallel.Shard(count, replicas.Rank, replicas.Size);
            var xb = Batches.Gather(x, order, start + shardStart, shardCount);
            var yb = Batches.Gather(y, order, start + shardStart, shardCount);
            double stepLoss = TrainStep(xb, yb, replicas, count);
            lossMean.Add(stepLoss, count);
            if (!double.IsFinite(stepLoss) && !warned && verbose > 0)
            {
                Console.WriteLine($"\nWarning: the loss is {stepLoss} at epoch {epoch + 1}, step {step + 1}.");
                warned = true;
            }
            logs = CurrentLogs(lossMean.Value);
            progress.Update(step + 1, logs);
            var batchLogs = new Dictionary<string, double>(logs) { ["loss"] = stepLoss };
            callbacks.ForEach(c => c.OnBatchEnd(step, batchLogs));
        }
        if (validationData is var (vx, vy))
            foreach (var (key, value) in Evaluate(vx, vy, batchSize, verbose: 0)) logs["val_" + key] = value;
        progress.Finish(logs);
        return logs;
    }

    /// <summary>
    /// One forward, backward and optimizer step on a batch; returns the batch loss. Distributed, the
    /// batch is this rank's shard of <paramref name="globalCount"/> samples and the loss is the global one.
    /// </summary>
    internal double TrainStep(Tensor xb, Tensor yb, DataParallel? replicas = null, int globalCount = 0)
    {
        var weights = TrainableWeights;
        foreach (var w in weights) w.Grad = null;
        var prediction = Call(xb, training: true);
        var total = loss!.Compute(yb, prediction);
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
    public Dictionary<string, double> Evaluate(Tensor x, Tensor y, int batchSize = 32, int verbose = 0)
    {
        RequireCompiled("Evaluate");
        CheckData(x, y, batchSize, "Evaluate");
        using var _ = Tape.NoGrad();
        int n = x.Dims[0];
        var lossMean = new RunningMean();
        metrics.ForEach(m => m.ResetState());
        for (int start = 0; start < n; start += batchSize)
        {
            int count = Math.Min(batchSize, n - start);
            var yb = Batches.Rows(y, start, count);
            var prediction = Call(Batches.Rows(x, start, count), training: false);
            lossMean.Add(loss!.Compute(yb, prediction).Item(), count);
            metrics.ForEach(m => m.UpdateState(yb, prediction));
        }
        var logs = CurrentLogs(lossMean.Value);
        if (verbose > 0) Console.WriteLine(string.Join(" - ", logs.Select(kv => $"{kv.Key}: {kv.Value:F4}")));
        return logs;
    }

    /// <summary>The outputs for x, computed in batches with layers in inference mode.</summary>
    public Tensor Predict(Tensor x, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (batchSize < 1) throw new ArgumentException($"Model '{Name}': batchSize must be >= 1, received {batchSize}.");
        if (x.Rank == 0 || x.Dims[0] == 0) throw new ArgumentException($"Model '{Name}': Predict received an empty dataset of shape {Shapes.Format(x.Dims)}.");
        using var _ = Tape.NoGrad();
        var parts = new List<Tensor>();
        for (int start = 0; start < x.Dims[0]; start += batchSize)
            parts.Add(Call(Batches.Rows(x, start, Math.Min(batchSize, x.Dims[0] - start)), training: false));
        return parts.Count == 1 ? parts[0] : Ops.Concat(parts, 0);
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

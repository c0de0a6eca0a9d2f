using NormLab.Losses;
using NormLab.Metrics;
using NormLab.Optimizers;

namespace NormLab;

public partial class Model
{
    /// <summary>
    /// Configures training of a model with several outputs, one loss per output in output order, as Keras's
    /// <c>compile(loss=[...], loss_weights=[...], metrics=[[...], ...])</c>. The trained loss is the weighted sum;
    /// History and Evaluate report it as "loss", each output's unweighted loss as "{output}_loss" and its metrics
    /// as "{output}_{metric}" (output names are their layers' names, <see cref="OutputNames"/>).
    /// </summary>
    /// <param name="optimizer">The optimizer ("rmsprop" when null, as Keras).</param>
    /// <param name="loss">One loss per output.</param>
    /// <param name="lossWeights">One weight per output (all 1 when null).</param>
    /// <param name="metrics">One list of metrics per output (none when null).</param>
    /// <exception cref="ArgumentNullException">When <paramref name="loss"/> is null.</exception>
    /// <exception cref="ArgumentException">When <paramref name="loss"/>, <paramref name="lossWeights"/> or <paramref name="metrics"/> does not have one entry per output, or a loss is null.</exception>
    public void Compile(Optimizer? optimizer, IReadOnlyList<Loss> loss, IReadOnlyList<double>? lossWeights = null,
        IReadOnlyList<IReadOnlyList<Metric>>? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(loss);
        var names = OutputNames;
        RequirePerOutput("loss", loss.Count, names);
        if (lossWeights != null) RequirePerOutput("lossWeights", lossWeights.Count, names);
        if (metrics != null) RequirePerOutput("metrics", metrics.Count, names);
        SetHeads(optimizer, names.Select((name, i) => new OutputHead(names.Count == 1 ? "" : name + "_",
            loss[i] ?? throw new ArgumentException($"Model '{Name}': the loss for output '{name}' is null."),
            lossWeights?[i] ?? 1.0, (metrics?[i] ?? []).Select(m => m.ResolveFor(loss[i])).ToList())).ToList());
    }

    /// <summary>Configures training of a model with several outputs, losses by output name (Keras's <c>loss={"cls": ...}</c>).</summary>
    /// <param name="optimizer">The optimizer ("rmsprop" when null, as Keras).</param>
    /// <param name="loss">A loss for every output name.</param>
    /// <param name="lossWeights">Weights by output name (1 for a name not given).</param>
    /// <param name="metrics">Metrics by output name (none for a name not given).</param>
    /// <exception cref="ArgumentNullException">When <paramref name="loss"/> is null.</exception>
    /// <exception cref="ArgumentException">When a key is not an output name or an output has no loss.</exception>
    public void Compile(Optimizer? optimizer, IReadOnlyDictionary<string, Loss> loss, IReadOnlyDictionary<string, double>? lossWeights = null,
        IReadOnlyDictionary<string, IReadOnlyList<Metric>>? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(loss);
        var names = OutputNames;
        foreach (var key in loss.Keys.Concat(lossWeights?.Keys ?? []).Concat(metrics?.Keys ?? []))
            if (!names.Contains(key))
                throw new ArgumentException($"Model '{Name}': Compile received '{key}', which is not an output name; the outputs are {string.Join(", ", names)}.");
        Compile(optimizer,
            names.Select(n => loss.TryGetValue(n, out var l) ? l : throw new ArgumentException($"Model '{Name}': Compile has no loss for output '{n}'.")).ToList(),
            names.Select(n => lossWeights != null && lossWeights.TryGetValue(n, out var w) ? w : 1.0).ToList(),
            names.Select(n => metrics != null && metrics.TryGetValue(n, out var m) ? m : []).ToList());
    }

    /// <summary>One output's training configuration: its log prefix ("" for a single output), loss, weight and metrics.</summary>
    private sealed record OutputHead(string Prefix, Loss Loss, double Weight, List<Metric> Metrics);

    private void RequirePerOutput(string argument, int count, IReadOnlyList<string> names)
    {
        if (count != names.Count)
            throw new ArgumentException($"Model '{Name}': Compile's {argument} has {count} entries but the model has {names.Count} outputs ({string.Join(", ", names)}).");
    }

    /// <summary>The weighted sum of the outputs' losses (a tensor, for backward) and each output's unweighted loss.</summary>
    private (Tensor total, double[] perOutput) ComputeLosses(IReadOnlyList<Tensor> ys, IReadOnlyList<Tensor> predictions, Tensor? sampleWeight = null)
    {
        Tensor? total = null;
        var perOutput = new double[heads.Count];
        for (int i = 0; i < heads.Count; i++)
        {
            var value = heads[i].Loss.Compute(ys[i], predictions[i], sampleWeight);
            perOutput[i] = value.Item();
            var weighted = heads[i].Weight == 1 ? value : value * heads[i].Weight;
            total = total == null ? weighted : Ops.Add(total, weighted);
        }
        return (total!, perOutput);
    }

    /// <summary>Checks that (x, y) give one array per input and per output, all with the same number of samples.</summary>
    private void CheckArrays(IReadOnlyList<Tensor> x, IReadOnlyList<Tensor>? y, int batchSize, string method)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (batchSize < 1) throw new ArgumentException($"Model '{Name}': batchSize must be >= 1, received {batchSize}.");
        int inputs = IsFunctional ? Inputs.Count : 1;
        if (x.Count != inputs) throw new ArgumentException($"Model '{Name}': {method} received {x.Count} input arrays but the model has {inputs} inputs.");
        if (y != null && y.Count != heads.Count)
            throw new ArgumentException($"Model '{Name}': {method} received {y.Count} target arrays but the model has {heads.Count} outputs ({string.Join(", ", OutputNames)}).");
        foreach (var t in x.Concat(y ?? [])) ArgumentNullException.ThrowIfNull(t, nameof(x));
        if (x[0].Rank == 0 || x[0].Dims[0] == 0) throw new ArgumentException($"Model '{Name}': {method} received an empty dataset (x has shape {Shapes.Format(x[0].Dims)}).");
        foreach (var t in x.Concat(y ?? []))
            if (t.Rank == 0 || t.Dims[0] != x[0].Dims[0])
                throw new ArgumentException($"Model '{Name}': x has {x[0].Dims[0]} samples but an array has shape {Shapes.Format(t.Dims)}; they must have the same first dimension.");
    }
}

using System.Text.Json.Nodes;
using NormLab.Constraints;
using NormLab.Initializers;
using NormLab.Regularizers;

namespace NormLab.Layers;

/// <summary>
/// The base of every layer, written the Keras way: the constructor stores configuration,
/// <see cref="BuildCore"/> creates weights through <see cref="AddWeight(string, int[], Initializer, bool, Regularizer, Constraint)"/> on the first call,
/// <see cref="Forward"/> computes with ops, and <see cref="GetConfig"/> returns what rebuilds it.
/// </summary>
public abstract partial class Layer
{
    private static readonly Dictionary<string, int> NameCounters = new();
    private readonly List<WeightSlot> slots = new();
    private readonly List<Layer> sublayers = new();
    private readonly List<Tensor> callLosses = new();
    private int[]? builtInputShape;
    private bool trainable = true;

    /// <summary>Stores the name (unique per class by default, like Keras) and the optional input shape.</summary>
    /// <param name="name">The layer's name; "dense", "dense_1", ... when omitted.</param>
    /// <param name="inputShape">The shape of one sample (no batch dimension), for the first layer of a model.</param>
    /// <param name="inputDim">Shorthand for <c>inputShape: [inputDim]</c> (Keras's input_dim).</param>
    protected Layer(string? name = null, int[]? inputShape = null, int? inputDim = null)
    {
        Name = name ?? UniqueName(SnakeCase(GetType().Name));
        if (inputShape != null && inputDim != null)
            throw new ArgumentException($"{GetType().Name} '{Name}': give either inputShape or inputDim, not both.");
        if (inputDim is int dim && dim < 1)
            throw new ArgumentException($"{GetType().Name} '{Name}': inputDim must be >= 1, received {dim}.");
        InputShape = inputShape != null ? (int[])inputShape.Clone() : inputDim is int d ? [d] : null;
        if (InputShape != null && InputShape.Any(v => v < 1))
            throw new ArgumentException($"{GetType().Name} '{Name}': inputShape dimensions must be >= 1, received {Shapes.Format(InputShape)}.");
    }

    /// <summary>The layer's name.</summary>
    public string Name { get; }

    /// <summary>
    /// Whether the optimizer updates this layer's weights (false also puts normalization layers in inference mode, as in Keras 3).
    /// Setting it sets every layer inside too (a model's layers, a wrapper's layer), recursively, as Keras 3.
    /// </summary>
    public bool Trainable
    {
        get => trainable;
        set
        {
            trainable = value;
            foreach (var sublayer in sublayers) sublayer.Trainable = value;
        }
    }

    /// <summary>Whether the weights exist (after the first call or <see cref="Build"/>).</summary>
    public bool Built => builtInputShape != null;

    /// <summary>The declared shape of one sample, when given to the constructor.</summary>
    public int[]? InputShape { get; }

    /// <summary>The full input shape (batch first) the layer was built for.</summary>
    public int[]? BuiltInputShape => builtInputShape?.ToArray();

    /// <summary>All weights in Keras order: trainable and non-trainable, sublayers after own.</summary>
    public IReadOnlyList<Tensor> Weights => AllSlots().Select(s => s.Value).ToList();

    /// <summary>The weights the optimizer updates (none when <see cref="Trainable"/> is false).</summary>
    public IReadOnlyList<Tensor> TrainableWeights => AllSlots().Where(s => s.Trainable).Select(s => s.Value).ToList();

    /// <summary>State that is saved but not trained (moving statistics, frozen weights).</summary>
    public IReadOnlyList<Tensor> NonTrainableWeights => AllSlots().Where(s => !s.Trainable).Select(s => s.Value).ToList();

    /// <summary>
    /// Runs the layer. Builds it on the first call; <paramref name="training"/> selects training
    /// behaviour (dropout, batch statistics). A bare <c>Call(x)</c> is inference.
    /// </summary>
    /// <param name="x">The input batch (batch dimension first).</param>
    /// <param name="training">True for training behaviour; false (default) for inference.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="x"/> is null.</exception>
    /// <exception cref="ArgumentException">When the layer is not yet built and the shape of <paramref name="x"/> does not match its declared input shape.</exception>
    public Tensor Call(Tensor x, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (!Built) Build(x.Shape);
        callLosses.Clear();
        var output = Forward(x, training);
        // Keras's supports_masking: a layer that keeps the (batch, steps) axes hands the input's mask on.
        if (SupportsMasking && x.Mask is { } mask && output.Mask == null && output.Rank > mask.Rank
            && output.Dims[..mask.Rank].SequenceEqual(mask.Dims))
            output.Mask = mask;
        return output;
    }

    /// <summary>
    /// Whether the layer hands an input's <see cref="Tensor.Mask"/> (from <c>Embedding(maskZero: true)</c>)
    /// on to its output, as Keras's <c>supports_masking</c>: true for layers that work on each step alone
    /// (Dense, Dropout, activations, last-axis normalizations), false (default) for the rest.
    /// </summary>
    public virtual bool SupportsMasking => false;

    /// <summary>Creates the weights for a full input shape (batch dimension first). Does nothing when already built.</summary>
    /// <param name="inputShape">The full input shape, batch dimension first.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="inputShape"/> is null.</exception>
    /// <exception cref="ArgumentException">When the layer is not yet built and <paramref name="inputShape"/> does not match its declared input shape.</exception>
    public void Build(int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        if (Built) return;
        if (InputShape != null && !inputShape.Skip(1).SequenceEqual(InputShape))
            throw new ArgumentException($"{Describe()}: declared inputShape {Shapes.FormatBatched(InputShape)} but received input of shape {Shapes.Format(inputShape)}.");
        BuildCore(inputShape);
        builtInputShape = (int[])inputShape.Clone();
    }

    /// <summary>Creates the weights; <paramref name="inputShape"/> has the batch dimension first.</summary>
    /// <param name="inputShape">The full input shape, batch dimension first.</param>
    protected virtual void BuildCore(int[] inputShape) { }

    /// <summary>The computation, with ops only.</summary>
    /// <param name="x">The input batch.</param>
    /// <param name="training">Whether this is a training call.</param>
    protected abstract Tensor Forward(Tensor x, bool training);

    /// <summary>
    /// The output shape for an input shape (batch first). By default the layer is run on a batch of one
    /// zero sample in inference mode; layers whose shape arithmetic is simple may override this.
    /// </summary>
    /// <param name="inputShape">The full input shape, batch dimension first.</param>
    public virtual int[] ComputeOutputShape(int[] inputShape)
    {
        var probe = (int[])inputShape.Clone();
        probe[0] = 1;
        using var _ = Autograd.Tape.NoGrad();
        var shape = Call(Tensor.Zeros(probe), training: false).Shape;
        shape[0] = inputShape[0];
        return shape;
    }

    /// <summary>Creates and registers the weight that <paramref name="settings"/> describes, under its name.</summary>
    private protected Tensor AddWeight(WeightSettings settings, int[] shape) =>
        AddWeight(settings.Name, shape, settings.Initializer, true, settings.Regularizer, settings.Constraint);

    /// <summary>Creates and registers a weight (the single place weights come from).</summary>
    /// <param name="name">The weight's name, unique within the layer ("kernel", "gamma").</param>
    /// <param name="shape">The weight's shape.</param>
    /// <param name="initializer">Gives the initial values.</param>
    /// <param name="trainable">False for state such as moving statistics (default true).</param>
    /// <param name="regularizer">Optional penalty added to the loss.</param>
    /// <param name="constraint">Optional projection applied after each update.</param>
    protected Tensor AddWeight(string name, int[] shape, Initializer initializer, bool trainable = true,
        Regularizer? regularizer = null, Constraint? constraint = null)
    {
        Saving.WeightBudget.Take(Describe(), name, shape);
        var value = initializer.Create(shape);
        value.Name = $"{Name}/{name}";
        value.RequiresGrad = trainable;
        slots.Add(new WeightSlot(this, value, trainable, regularizer, constraint));
        return value;
    }

    /// <summary>
    /// Lists a sublayer's weight among this layer's own, as Keras tracks an attribute alias (a wrapper's
    /// kernel); it keeps the sublayer's regularizer and constraint and is listed once.
    /// </summary>
    /// <param name="weight">A weight owned by a sublayer.</param>
    protected void TrackWeight(Tensor weight)
    {
        var original = sublayers.SelectMany(l => l.AllSlots()).FirstOrDefault(s => ReferenceEquals(s.Value, weight))
            ?? throw new ArgumentException($"{Describe()}: TrackWeight needs a weight of one of its sublayers.");
        slots.Add(original with { Owner = this });
    }

    /// <summary>Registers a layer whose weights belong to this one (wrappers, recurrent cells).</summary>
    /// <param name="layer">The sublayer; returned for chaining.</param>
    protected T AddSublayer<T>(T layer) where T : Layer
    {
        sublayers.Add(layer);
        return layer;
    }

    /// <summary>This layer and every layer inside it, recursively.</summary>
    internal IEnumerable<Layer> SelfAndSublayers() => sublayers.SelectMany(l => l.SelfAndSublayers()).Prepend(this);

    /// <summary>Copies of the weights in Keras order.</summary>
    public Tensor[] GetWeights() => Weights.Select(w => w.Detach()).ToArray();

    /// <summary>Replaces the weights' values (Keras order and shapes; checked).</summary>
    /// <param name="weights">One tensor per weight, in the order and shapes of <see cref="Weights"/>.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="weights"/> is null.</exception>
    /// <exception cref="ArgumentException">When <paramref name="weights"/> has the wrong count, a null entry, or an entry of the wrong shape.</exception>
    public void SetWeights(IReadOnlyList<Tensor> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var own = Weights;
        if (weights.Count != own.Count)
            throw new ArgumentException($"You called SetWeights(weights) on layer '{Name}' with a weight list of length {weights.Count}, but the layer was expecting {own.Count} weights.");
        for (int i = 0; i < own.Count; i++)
            if (weights[i] is null) throw new ArgumentException($"You called SetWeights(weights) on layer '{Name}' with weights[{i}] null; expected a tensor of shape {Shapes.Format(own[i].Dims)}.");
            else if (!Shapes.Equal(own[i].Dims, weights[i].Dims))
                throw new ArgumentException($"Layer {Name} weight shape {Shapes.Format(own[i].Dims)} is not compatible with provided weight shape {Shapes.Format(weights[i].Dims)}.");
        for (int i = 0; i < own.Count; i++) weights[i].Data.CopyTo(own[i].Data, 0);
    }

    /// <summary>The number of values in all weights.</summary>
    public int CountParams() => Weights.Sum(w => w.Size);

    /// <summary>The constructor arguments, with Keras's snake_case keys, so the layer can be rebuilt.</summary>
    public virtual JsonObject GetConfig() => new() { ["name"] = Name, ["trainable"] = Trainable };

    /// <summary>Projects every constrained weight (called after each optimizer step).</summary>
    internal void ApplyConstraints()
    {
        foreach (var slot in AllSlots())
            slot.Constraint?.Apply(slot.Value);
    }

    /// <summary>The regularization penalties of the trainable weights and the losses the last calls added, to add to the loss.</summary>
    internal IEnumerable<Tensor> RegularizationPenalties() =>
        AllSlots().Where(s => s.Trainable && s.Regularizer != null).Select(s => s.Regularizer!.Penalty(s.Value)).Concat(CallLosses());

    /// <summary>
    /// Adds a loss computed from this call's tensors (Keras's add_loss, used by ActivityRegularization); the
    /// training step adds it to the loss with the weight penalties. Each call replaces the previous call's losses.
    /// </summary>
    /// <param name="loss">A scalar computed from this call's tensors.</param>
    protected void AddLoss(Tensor loss) => callLosses.Add(loss);

    private IEnumerable<Tensor> CallLosses() => callLosses.Concat(sublayers.SelectMany(l => l.CallLosses()));

    /// <summary>"Dense 'dense_1'", for error messages.</summary>
    protected string Describe() => $"{GetType().Name} '{Name}'";

    /// <summary>Throws unless <paramref name="x"/> has a rank in [min, max].</summary>
    /// <param name="x">The input.</param>
    /// <param name="min">The smallest rank accepted.</param>
    /// <param name="max">The largest rank accepted (default unbounded).</param>
    protected void RequireRank(Tensor x, int min, int max = int.MaxValue) => RequireRank(x.Dims, min, max);

    /// <summary>Throws unless the shape <paramref name="dims"/> has a rank in [min, max] (for
    /// <see cref="ComputeOutputShape"/>, which indexes the shape before anything else checks it).</summary>
    /// <param name="dims">The input shape.</param>
    /// <param name="min">The smallest rank accepted.</param>
    /// <param name="max">The largest rank accepted (default unbounded).</param>
    protected void RequireRank(ReadOnlySpan<int> dims, int min, int max = int.MaxValue)
    {
        if (dims.Length < min || dims.Length > max)
        {
            string expected = min == max ? $"rank {min}" : max == int.MaxValue ? $"rank >= {min}" : $"rank {min} to {max}";
            throw new ArgumentException($"{Describe()}: expected input of {expected}, received shape {Shapes.Format(dims)}.");
        }
    }

    /// <summary>Throws unless the last axis of <paramref name="x"/> has the size the layer was built for.</summary>
    /// <param name="expected">The last-axis size the layer was built for.</param>
    /// <param name="x">The input.</param>
    protected void RequireLastDim(Tensor x, int expected)
    {
        if (x.Dims[^1] != expected)
            throw new ArgumentException($"{Describe()}: expected the last axis of the input to have size {expected}, received input of shape {Shapes.Format(x.Dims)}.");
    }

    /// <summary>Keras's order: own trainable, own non-trainable, then the sublayers' weights not listed yet.</summary>
    private IEnumerable<WeightSlot> AllSlots()
    {
        var listed = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var own = slots.Where(s => s.Trainable).Concat(slots.Where(s => !s.Trainable));
        foreach (var slot in own.Concat(sublayers.SelectMany(l => l.AllSlots())))
            if (listed.Add(slot.Value)) yield return slot with { Trainable = slot.Trainable && Trainable };
    }

    internal static string UniqueName(string prefix)
    {
        lock (NameCounters)
        {
            NameCounters.TryGetValue(prefix, out int count);
            NameCounters[prefix] = count + 1;
            return count == 0 ? prefix : $"{prefix}_{count}";
        }
    }

    /// <summary>Keras's naming: BatchNormalization → batch_normalization, Conv2D → conv2d.</summary>
    internal static string SnakeCase(string name)
    {
        var builder = new System.Text.StringBuilder();
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0 && char.IsLower(name[i - 1])) builder.Append('_');
            builder.Append(char.ToLowerInvariant(name[i]));
        }
        return builder.ToString();
    }

    private sealed record WeightSlot(Layer Owner, Tensor Value, bool Trainable, Regularizer? Regularizer, Constraint? Constraint);
}

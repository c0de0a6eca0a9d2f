using NormLab.Layers;

namespace NormLab;

/// <summary>
/// A trainable network. Build one with <see cref="Sequential"/>, functionally from <see cref="Input"/>s
/// (<c>new Model(inputs: [a, b], outputs: [cls, reg])</c>: any acyclic graph of layers, shared layers and
/// nested models included), or by subclassing (override <c>Forward</c>, register layers with
/// <see cref="TrackLayer"/>). Compile, Fit, Evaluate, Predict, Summary, Save and <see cref="Load"/> work the Keras way.
/// </summary>
/// <example><code>
/// var a = new Input([16], name: "a");
/// var b = new Input([8], name: "b");
/// var h = new Dense(32, activation: "relu").Call(new Concatenate().Call([a, b]));
/// var model = new Model(inputs: [a, b], outputs: [new Dense(3, activation: "softmax").Call(h)]);
/// model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
/// model.Fit([xa, xb], [y], epochs: 5, batchSize: 32);
/// </code></example>
public partial class Model : Layer
{
    private readonly List<Layer> layers = new();
    private readonly List<Input>? graphInputs;
    private readonly List<SymbolicTensor>? graphOutputs;
    private readonly List<LayerNode> graphNodes = new();

    /// <summary>A functional model from one input to one output.</summary>
    /// <param name="inputs">The model's input.</param>
    /// <param name="outputs">The symbolic tensor the model returns.</param>
    /// <param name="name">The model's name; "functional", "functional_1", ... when omitted.</param>
    public Model(Input inputs, SymbolicTensor outputs, string? name = null) : this([inputs], [outputs], name) { }

    /// <summary>A functional model from several inputs to several outputs: any acyclic graph of layer calls between them.</summary>
    /// <param name="inputs">The model's inputs, in the order data is given to Fit and Predict.</param>
    /// <param name="outputs">The symbolic tensors the model returns, in order.</param>
    /// <param name="name">The model's name; "functional", "functional_1", ... when omitted.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="inputs"/>, <paramref name="outputs"/> or one of their entries is null.</exception>
    /// <exception cref="ArgumentException">When there is no input or no output, the inputs are not distinct or share a name, or two different layers share a name.</exception>
    public Model(IReadOnlyList<Input> inputs, IReadOnlyList<SymbolicTensor> outputs, string? name = null) : base(name ?? UniqueName("functional"))
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        if (inputs.Count == 0 || outputs.Count == 0)
            throw new ArgumentException($"Model '{Name}': needs at least one input and one output, received {inputs.Count} inputs and {outputs.Count} outputs.");
        foreach (var input in inputs) ArgumentNullException.ThrowIfNull(input, nameof(inputs));
        foreach (var output in outputs) ArgumentNullException.ThrowIfNull(output, nameof(outputs));
        if (inputs.Distinct(ReferenceEqualityComparer.Instance).Count() != inputs.Count || inputs.Select(i => i.Name).Distinct().Count() != inputs.Count)
            throw new ArgumentException($"Model '{Name}': inputs must be distinct with distinct names, received {string.Join(", ", inputs.Select(i => i.Name))}.");
        graphInputs = inputs.ToList();
        graphOutputs = outputs.ToList();
        var visited = new HashSet<LayerNode>(ReferenceEqualityComparer.Instance);
        foreach (var output in outputs) CollectNodes(output, visited);
        foreach (var node in graphNodes)
        {
            if (layers.Contains(node.Layer)) continue;
            if (layers.FirstOrDefault(l => l.Name == node.Layer.Name) is Layer same)
                throw new ArgumentException($"Model '{Name}': two different layers are named '{same.Name}' ({same.GetType().Name} and {node.Layer.GetType().Name}); layer names must be unique in a model.");
            TrackLayer(node.Layer);
        }
        Build([1, .. inputs[0].Shape]);
    }

    /// <summary>For subclasses that manage their own layers (Sequential, the subclassing API).</summary>
    /// <param name="name">The model's name; unique per class when omitted.</param>
    protected Model(string? name = null) : base(name) { }

    /// <summary>The layers, in order (a functional model's inputs are not layers in NormLab).</summary>
    public IReadOnlyList<Layer> Layers => layers;

    /// <summary>Set by callbacks to end <c>Fit</c> after the current epoch step.</summary>
    public bool StopTraining { get; set; }

    /// <summary>Whether the model is a graph of layer calls built from <see cref="Input"/>s.</summary>
    public bool IsFunctional => graphInputs != null;

    /// <summary>The model's symbolic inputs, in order (Keras's <c>model.inputs</c>): a functional model's, or a built Sequential's.</summary>
    public IReadOnlyList<Input> Inputs => graphInputs ?? TracedInputs ?? throw NotFunctional("Inputs");

    /// <summary>The model's symbolic outputs, in order (Keras's <c>model.outputs</c>): a functional model's, or a built Sequential's.</summary>
    public IReadOnlyList<SymbolicTensor> Outputs => graphOutputs ?? TracedOutputs ?? throw NotFunctional("Outputs");

    /// <summary>A built Sequential's symbolic input (its layers were called on it), as Keras 3 builds a Sequential as a graph.</summary>
    private protected virtual IReadOnlyList<Input>? TracedInputs => null;

    /// <summary>A built Sequential's symbolic output.</summary>
    private protected virtual IReadOnlyList<SymbolicTensor>? TracedOutputs => null;

    /// <summary>The output names (their layers' names), as Keras names a model's outputs for losses and metrics.</summary>
    public IReadOnlyList<string> OutputNames => graphOutputs?.Select(o => o.Layer?.Name ?? ((Input)o).Name).ToList() ?? [Name];

    /// <summary>A functional model's only input (Keras's <c>model.input</c>).</summary>
    /// <exception cref="InvalidOperationException">When the model has several inputs, or no single symbolic input of its own or from a call.</exception>
    public override SymbolicTensor Input => (graphInputs ?? TracedInputs) is [var only] ? only
        : graphInputs == null ? base.Input : throw new InvalidOperationException($"Model '{Name}': has {graphInputs.Count} inputs; use Inputs.");

    /// <summary>A functional model's only output (Keras's <c>model.output</c>).</summary>
    /// <exception cref="InvalidOperationException">When the model has several outputs, or no single symbolic output of its own or from a call.</exception>
    public override SymbolicTensor Output => (graphOutputs ?? TracedOutputs) is [var only] ? only
        : graphOutputs == null ? base.Output : throw new InvalidOperationException($"Model '{Name}': has {graphOutputs.Count} outputs; use Outputs.");

    /// <summary>The layer called <paramref name="name"/> (Keras's <c>model.get_layer(name)</c>).</summary>
    /// <param name="name">The layer's name.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException">When the model has no layer called <paramref name="name"/>.</exception>
    public Layer GetLayer(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return layers.FirstOrDefault(l => l.Name == name)
            ?? throw new ArgumentException($"Model '{Name}': no layer named '{name}'. Layers: {string.Join(", ", layers.Select(l => l.Name))}.");
    }

    /// <summary>The layer at <paramref name="index"/> in <see cref="Layers"/> (Keras's <c>model.get_layer(index=...)</c>).</summary>
    /// <param name="index">The position, from 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="index"/> is negative or not below the number of layers.</exception>
    public Layer GetLayer(int index) => index >= 0 && index < layers.Count ? layers[index]
        : throw new ArgumentOutOfRangeException(nameof(index), $"Model '{Name}': was asked for layer index {index} but has {layers.Count} layers.");

    /// <summary>Registers a layer so its weights belong to the model (subclassed models call it for each layer they use).</summary>
    /// <param name="layer">The layer.</param>
    protected void TrackLayer(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        layers.Add(AddSublayer(layer));
    }

    /// <summary>Runs a model with several inputs or outputs on data: one tensor per input, one per output, in order.</summary>
    /// <param name="inputs">One batch per input.</param>
    /// <param name="training">Training behaviour (dropout, batch statistics); false is inference.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="inputs"/> is null.</exception>
    public Tensor[] Call(IReadOnlyList<Tensor> inputs, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return CallOnList(inputs, training);
    }

    /// <summary>Calls the model as a layer on several symbolic tensors (a nested model in a functional graph).</summary>
    /// <param name="inputs">The symbolic inputs, one per model input.</param>
    /// <param name="training">Fixes the training mode of this call; null follows the outer model's.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="inputs"/> or one of its entries is null.</exception>
    public SymbolicTensor[] Call(IReadOnlyList<SymbolicTensor> inputs, bool? training = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return CallSymbolic(inputs, training);
    }

    /// <summary>
    /// Creates a subclassed model's weights by running it once on zeros in inference mode (Sequential builds
    /// layer by layer; a functional model is built when constructed).
    /// </summary>
    /// <param name="inputShape">The full input shape, batch dimension first.</param>
    protected override void BuildCore(int[] inputShape)
    {
        if (IsFunctional) return;
        using var _ = Autograd.Tape.NoGrad();
        Forward(Tensor.Zeros([1, .. inputShape[1..]]), training: false);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (!IsFunctional) throw new InvalidOperationException($"{Describe()}: a subclassed model must override Forward(x, training).");
        if (graphInputs!.Count != 1 || graphOutputs!.Count != 1)
            throw new ArgumentException($"Model '{Name}': has {graphInputs.Count} inputs and {graphOutputs!.Count} outputs; call it with a list of inputs, Call([...]), which returns one tensor per output.");
        return RunGraph([x], training)[0];
    }

    internal override Tensor[] CallOnList(IReadOnlyList<Tensor> inputs, bool training) =>
        IsFunctional ? RunGraph(inputs, training) : base.CallOnList(inputs, training);

    /// <summary>Runs the nodes in order, each on the values of its inputs; a node's fixed training mode wins.</summary>
    private Tensor[] RunGraph(IReadOnlyList<Tensor> inputs, bool training)
    {
        CheckInputs(inputs);
        var values = new Dictionary<SymbolicTensor, Tensor>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < inputs.Count; i++) values[graphInputs![i]] = inputs[i];
        // Uses still ahead of each value; the model's inputs and outputs are never released.
        var uses = new Dictionary<SymbolicTensor, int>(ReferenceEqualityComparer.Instance);
        foreach (var s in graphNodes.SelectMany(n => n.Inputs).Concat(graphOutputs!).Concat(graphInputs!)) uses[s] = uses.GetValueOrDefault(s) + 1;
        foreach (var node in graphNodes)
        {
            var outputs = node.Layer.CallOnList(node.Inputs.Select(i => values[i]).ToList(), node.Training ?? training);
            for (int i = 0; i < outputs.Length; i++) values[node.Outputs[i]] = outputs[i];
            foreach (var input in node.Inputs)
                if (--uses[input] == 0) Intermediates.Release(values[input], values.Where(kv => uses.GetValueOrDefault(kv.Key) > 0).Select(kv => kv.Value));
        }
        return graphOutputs!.Select(o => values[o]).ToArray();
    }

    private void CheckInputs(IReadOnlyList<Tensor> inputs)
    {
        if (inputs.Count != graphInputs!.Count)
            throw new ArgumentException($"Model '{Name}': expects {graphInputs.Count} inputs ({string.Join(", ", graphInputs.Select(i => i.Name))}), received {inputs.Count}.");
        for (int i = 0; i < inputs.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(inputs[i], nameof(inputs));
            var expected = graphInputs[i].Shape;
            var dims = inputs[i].Dims;
            bool matches = dims.Length == expected.Length + 1;
            for (int d = 0; matches && d < expected.Length; d++) matches = expected[d] == -1 || expected[d] == dims[d + 1];
            if (!matches)
                throw new ArgumentException($"Model '{Name}': input '{graphInputs[i].Name}' expects shape {Shapes.FormatBatched(expected)}, received {Shapes.Format(dims)}.");
        }
    }

    /// <summary>Depth-first from an output: each node after the nodes it depends on, each once.</summary>
    private void CollectNodes(SymbolicTensor tensor, HashSet<LayerNode> visited)
    {
        if (tensor.Node is not LayerNode node)
        {
            if (!graphInputs!.Any(i => ReferenceEquals(i, tensor)))
                throw new ArgumentException($"Model '{Name}': the outputs depend on input '{((Input)tensor).Name}', which is not among the model's inputs ({string.Join(", ", graphInputs!.Select(i => i.Name))}).");
            return;
        }
        if (!visited.Add(node)) return;
        foreach (var input in node.Inputs) CollectNodes(input, visited);
        graphNodes.Add(node);
    }

    /// <summary>The calls of the graph in execution order (for saving and Summary).</summary>
    internal IReadOnlyList<LayerNode> GraphNodes => graphNodes;

    private InvalidOperationException NotFunctional(string what) =>
        new($"{Describe()}: has no symbolic {what}: they exist for functional models (new Model(inputs, outputs)) and built Sequential models.");
}

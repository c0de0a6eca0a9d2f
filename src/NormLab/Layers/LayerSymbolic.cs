namespace NormLab.Layers;

public abstract partial class Layer
{
    private readonly List<LayerNode> inboundNodes = new();

    /// <summary>
    /// Records a call in a functional model: builds the layer and returns the symbolic output.
    /// </summary>
    /// <param name="input">The symbolic input.</param>
    /// <param name="training">Fixes the training mode of this call, as Keras's <c>base_model(x, training=False)</c>;
    /// null (default) follows the mode the model is run in.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentException">When the layer has several outputs.</exception>
    public SymbolicTensor Call(SymbolicTensor input, bool? training = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        var outputs = CallSymbolic([input], training);
        if (outputs.Length != 1)
            throw new ArgumentException($"{Describe()}: has {outputs.Length} outputs; call it with a list, Call([...]), to get them all.");
        return outputs[0];
    }

    /// <summary>The symbolic input of the layer's only call (Keras's <c>layer.input</c>).</summary>
    /// <exception cref="InvalidOperationException">When the layer has not been called on a symbolic tensor, has been called more than once, or was called on several inputs.</exception>
    public virtual SymbolicTensor Input => SingleNode("input").Inputs is [var only]
        ? only
        : throw new InvalidOperationException($"{Describe()}: was called on {SingleNode("input").Inputs.Length} inputs; read them from Output.Inputs.");

    /// <summary>The symbolic output of the layer's only call (Keras's <c>layer.output</c>), e.g. for feature extraction.</summary>
    /// <exception cref="InvalidOperationException">When the layer has not been called on a symbolic tensor, has been called more than once, or has several outputs.</exception>
    public virtual SymbolicTensor Output => SingleNode("output").Outputs is [var only]
        ? only
        : throw new InvalidOperationException($"{Describe()}: has {SingleNode("output").Outputs.Length} outputs; use the model's Outputs.");

    private LayerNode SingleNode(string what) => inboundNodes.Count switch
    {
        1 => inboundNodes[0],
        0 => throw new InvalidOperationException($"{Describe()}: has never been called on a symbolic tensor and thus has no defined {what}."),
        _ => throw new InvalidOperationException($"{Describe()}: has {inboundNodes.Count} inbound nodes (it is shared), hence the notion of its {what} is ill-defined."),
    };

    /// <summary>Runs the layer on a list of inputs, as a node of a functional graph (one input unless overridden).</summary>
    internal virtual Tensor[] CallOnList(IReadOnlyList<Tensor> inputs, bool training)
    {
        if (inputs.Count != 1)
            throw new ArgumentException($"{Describe()}: takes one input, received {inputs.Count}.");
        return [Call(inputs[0], training)];
    }

    /// <summary>
    /// Adds a node: the output shapes come from running the layer once in inference mode on zeros (which
    /// also builds it). A free (-1) dimension is probed with two sizes; output dimensions that follow it stay free.
    /// </summary>
    internal SymbolicTensor[] CallSymbolic(IReadOnlyList<SymbolicTensor> inputs, bool? training)
    {
        foreach (var input in inputs) ArgumentNullException.ThrowIfNull(input, nameof(inputs));
        var shapes = ProbeOutputShapes(inputs, freeSize: 16);
        if (inputs.Any(i => i.Shape.Contains(-1)))
        {
            var other = ProbeOutputShapes(inputs, freeSize: 17);
            shapes = shapes.Zip(other, (a, b) => a.Length == b.Length ? a.Select((d, i) => d == b[i] ? d : -1).ToArray() : a).ToArray();
        }
        var node = new LayerNode(this, inputs.ToArray(), training, shapes);
        inboundNodes.Add(node);
        return node.Outputs;
    }

    private int[][] ProbeOutputShapes(IReadOnlyList<SymbolicTensor> inputs, int freeSize)
    {
        using var _ = Autograd.Tape.NoGrad();
        var zeros = inputs.Select(i => Tensor.Zeros([1, .. i.Shape.Select(d => d == -1 ? freeSize : d)])).ToList();
        return CallOnList(zeros, training: false).Select(o => o.Shape[1..]).ToArray();
    }
}

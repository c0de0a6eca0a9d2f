namespace NormLab.Layers;

/// <summary>
/// The base of layers that take several input tensors (merge layers, attention): <c>layer.Call([a, b])</c>
/// on tensors, or on symbolic tensors in a functional model.
/// </summary>
/// <param name="name">The layer's name; unique per class when omitted.</param>
public abstract class MultiInputLayer(string? name = null) : Layer(name)
{
    /// <summary>Runs the layer on its inputs; builds it on the first call.</summary>
    /// <param name="inputs">The input tensors, batch first.</param>
    /// <param name="training">Training behaviour (dropout, batch statistics); false is inference.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="inputs"/> or one of its entries is null.</exception>
    /// <exception cref="ArgumentException">When the layer is not yet built and <paramref name="inputs"/> is empty.</exception>
    public Tensor Call(IReadOnlyList<Tensor> inputs, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        foreach (var input in inputs) ArgumentNullException.ThrowIfNull(input, nameof(inputs));
        if (!Built)
        {
            if (inputs.Count == 0) throw new ArgumentException($"{Describe()}: received no inputs.");
            BuildCore(inputs.Select(i => i.Shape).ToList());
            Build(inputs[0].Shape);
        }
        return Forward(inputs, training);
    }

    /// <summary>Records a call on several symbolic tensors in a functional model.</summary>
    /// <param name="inputs">The symbolic inputs.</param>
    /// <param name="training">Fixes the training mode of this call; null follows the model's.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="inputs"/> or one of its entries is null.</exception>
    public SymbolicTensor Call(IReadOnlyList<SymbolicTensor> inputs, bool? training = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return CallSymbolic(inputs, training)[0];
    }

    /// <summary>Creates the weights from every input's shape (batch first); none by default.</summary>
    /// <param name="inputShapes">The shapes of the inputs, batch first.</param>
    protected virtual void BuildCore(IReadOnlyList<int[]> inputShapes) { }

    /// <summary>The computation on the inputs, with ops only.</summary>
    /// <param name="inputs">The input tensors.</param>
    /// <param name="training">Whether the call is training.</param>
    protected abstract Tensor Forward(IReadOnlyList<Tensor> inputs, bool training);

    /// <inheritdoc/>
    protected sealed override Tensor Forward(Tensor x, bool training) =>
        throw new InvalidOperationException($"{Describe()}: takes a list of inputs: Call([a, b]).");

    internal override Tensor[] CallOnList(IReadOnlyList<Tensor> inputs, bool training) => [Call(inputs, training)];
}

namespace NormLab.Layers;

/// <summary>
/// A layer called on several tensors in a functional model (the attention layers' query, value and key):
/// the model passes a node's inputs in the order they were given.
/// </summary>
internal interface IMultiInputLayer
{
    /// <summary>The eager call on the node's inputs.</summary>
    Tensor CallInputs(IReadOnlyList<Tensor> inputs, bool training);

    /// <summary>The symbolic call that records the node (used when a saved model is rebuilt).</summary>
    SymbolicTensor CallInputs(IReadOnlyList<SymbolicTensor> inputs);
}

namespace NormLab.Layers;

public abstract partial class Layer
{
    /// <summary>Records a call in a functional model: builds the layer and returns the symbolic output.</summary>
    public SymbolicTensor Call(SymbolicTensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        int[] batched = [1, .. input.Shape];
        Build(batched);
        return new SymbolicTensor(ComputeOutputShape(batched)[1..], this, [input]);
    }
}

public abstract partial class MergeLayer
{
    /// <summary>Records a merge of several symbolic tensors in a functional model.</summary>
    public SymbolicTensor Call(IReadOnlyList<SymbolicTensor> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        using var _ = Autograd.Tape.NoGrad();
        var probe = Call(inputs.Select(i => Tensor.Zeros([1, .. i.Shape])).ToList());
        Build([1, .. inputs[0].Shape]);
        return new SymbolicTensor(probe.Shape[1..], this, inputs.ToArray());
    }
}

namespace NormLab.Autograd;

/// <summary>
/// One recorded operation: its inputs and a hand-written backward rule that maps the gradient of
/// the output to one gradient per input (null where an input needs none).
/// </summary>
internal sealed class Node(Tensor[] inputs, Func<Tensor, Tensor?[]> backward)
{
    internal readonly Tensor[] Inputs = inputs;
    internal readonly Func<Tensor, Tensor?[]> Backward = backward;
}

namespace NormLab;

/// <summary>The activation whose input a tensor keeps as its logits.</summary>
internal enum LogitsActivation { Softmax, Sigmoid }

public sealed partial class Tensor
{
    /// <summary>
    /// The input of the softmax or sigmoid that produced this tensor (tf.keras's <c>_keras_logits</c>).
    /// Cross-entropies compute from it, so that a confidently wrong prediction, whose probability the
    /// clip would flatten, still gets a gradient. Any other op's output has none: its values are no
    /// longer the activation of these logits.
    /// </summary>
    internal (Tensor Values, LogitsActivation Activation)? Logits { get; private set; }

    /// <summary>Marks this tensor as <paramref name="activation"/>(<paramref name="logits"/>); returns it.</summary>
    internal Tensor WithLogits(Tensor logits, LogitsActivation activation)
    {
        Logits = (logits, activation);
        return this;
    }

    /// <summary>The logits when this tensor is the output of <paramref name="activation"/>, else null.</summary>
    internal Tensor? LogitsOf(LogitsActivation activation) =>
        Logits is var (values, kind) && kind == activation && !values.IsDisposed ? values : null;
}

namespace NormLab;

public sealed partial class Tensor
{
    /// <summary>
    /// Keras's <c>_keras_mask</c>: an optional (batch, time) tensor of 1 (a real step) and 0 (padding) that
    /// travels with a sequence. <see cref="Layers.Embedding"/> with <c>maskZero: true</c> attaches it; the
    /// recurrent and attention layers read it (or a mask passed to their Call) and skip the padded steps. An
    /// op's result carries no mask: only the layer that produced a tensor decides what mask it has.
    /// </summary>
    public Tensor? Mask { get; set; }
}

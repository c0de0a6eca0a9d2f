namespace NormLab;

/// <summary>
/// Values between the layers of a model call. When operations are not recorded (Predict, Evaluate, a call
/// under no gradient) nothing can read such a value once its consumers have run, so its memory goes to the
/// next layer's output, while still in cache, without the user disposing anything.
/// </summary>
internal static class Intermediates
{
    /// <summary>
    /// Disposes <paramref name="value"/> unless operations are being recorded (a backward may still need it) or
    /// one of the <paramref name="live"/> tensors is it or carries it (as its logits or its mask).
    /// </summary>
    internal static void Release(Tensor value, IEnumerable<Tensor> live)
    {
        if (Autograd.Tape.IsRecording) return;
        foreach (var t in live)
            if (ReferenceEquals(t, value) || ReferenceEquals(t.Logits?.Values, value) || ReferenceEquals(t.Mask, value)) return;
        value.Dispose();
    }
}

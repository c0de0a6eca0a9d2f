namespace NormLab.Autograd;

/// <summary>
/// The gradients of one backward walk that are still pending, counted by reference: a rule may return one
/// tensor for several inputs, or hand its incoming gradient through unchanged. A gradient is released
/// (disposed, its memory pooled) once no pending slot holds it, unless it is kept: the seed (the caller's)
/// and every gradient that became a leaf's <see cref="Tensor.Grad"/>.
/// </summary>
internal sealed class PendingGradients
{
    private readonly Dictionary<Tensor, int> slots = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Tensor> kept = new(ReferenceEqualityComparer.Instance);

    internal PendingGradients(Tensor seed)
    {
        kept.Add(seed);
        Hold(seed);
    }

    /// <summary>One more pending slot holds <paramref name="gradient"/>.</summary>
    internal void Hold(Tensor gradient) => slots[gradient] = slots.GetValueOrDefault(gradient) + 1;

    /// <summary>One pending slot gave up <paramref name="gradient"/>.</summary>
    internal void Leave(Tensor gradient)
    {
        if (slots.TryGetValue(gradient, out int count))
        {
            if (count <= 1) slots.Remove(gradient);
            else slots[gradient] = count - 1;
        }
    }

    /// <summary>Never releases <paramref name="gradient"/> (it belongs to a leaf now).</summary>
    internal void Keep(Tensor gradient) => kept.Add(gradient);

    /// <summary>Disposes <paramref name="gradient"/> when no pending slot holds it and it is not kept.</summary>
    internal void ReleaseIfUnused(Tensor gradient)
    {
        if (!slots.ContainsKey(gradient) && !kept.Contains(gradient)) gradient.Dispose();
    }
}

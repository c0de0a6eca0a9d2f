namespace NormLab.Saving;

/// <summary>
/// The sizes a layer may allocate for its weights, checked before the allocation. Always: a weight must fit
/// in one .NET array (units of 2^30 are refused naming the layer, not by an overflow deep inside). While
/// <see cref="ModelFile.Load"/> builds a model: the weights together may not exceed what the file holds,
/// so a config edited to 15,000,000 units fails at once instead of allocating gigabytes first.
/// </summary>
internal static class WeightBudget
{
    private sealed class Budget(long values, string source)
    {
        internal long Left = values;
        internal string Source => source;
    }

    private static readonly AsyncLocal<Budget?> current = new();

    /// <summary>Limits the weights created on this flow to <paramref name="values"/> in total until disposed.</summary>
    internal static IDisposable Limit(long values, string source)
    {
        var previous = current.Value;
        current.Value = new Budget(values, source);
        return new Scope(() => current.Value = previous);
    }

    /// <summary>Called by <c>Layer.AddWeight</c> before it allocates <paramref name="shape"/>.</summary>
    internal static void Take(string layer, string weight, int[] shape)
    {
        // A product of int dimensions can overflow even a long; a double keeps its magnitude.
        double size = shape.Aggregate(1.0, (a, d) => a * d);
        if (shape.Any(d => d < 0))
            throw new ArgumentException($"{layer}: weight '{weight}' has a negative dimension in shape {Shapes.Format(shape)}.");
        if (size > Array.MaxLength)
            throw new ArgumentException($"{layer}: weight '{weight}' of shape {Shapes.Format(shape)} would hold {size:N0} values, more than one array can ({Array.MaxLength:N0}).");
        if (current.Value is not { } budget) return;
        if (size > budget.Left)
            throw new FormatException($"{layer}: the config asks for weight '{weight}' of shape {Shapes.Format(shape)} ({size:N0} values), but {budget.Source} holds only {budget.Left:N0} more: the config does not match the saved weights.");
        budget.Left -= (long)size;
    }

    private sealed class Scope(Action exit) : IDisposable
    {
        public void Dispose() => exit();
    }
}

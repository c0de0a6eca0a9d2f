using System.Text.Json.Nodes;

namespace NormLab.Optimizers;

public abstract partial class Optimizer
{
    private const string AverageSlot = "average";

    /// <summary>
    /// The optimizer's state for a model file: the iteration count (and <see cref="WriteState"/>'s scalars) as JSON, and
    /// every state array as a tensor named "{index}/{slot}", index being the weight's position in <paramref name="weights"/>.
    /// </summary>
    internal (JsonObject scalars, List<(string name, Tensor value)> arrays) GetState(IReadOnlyList<Tensor> weights)
    {
        var scalars = new JsonObject { ["iterations"] = Iterations };
        WriteState(scalars);
        var arrays = new List<(string, Tensor)>();
        for (int i = 0; i < weights.Count; i++)
        {
            var weight = weights[i];
            if (slots.TryGetValue(weight, out var state))
                for (int s = 0; s < state.Length; s++)
                    arrays.Add(($"{i}/{SlotNames[s]}", Tensor.FromArray((float[])state[s].Clone(), SlotShape(s, weight.Dims))));
            if (averages.TryGetValue(weight, out var average))
                arrays.Add(($"{i}/{AverageSlot}", Tensor.FromArray((float[])average.Clone(), weight.Shape)));
        }
        return (scalars, arrays);
    }

    /// <summary>Restores <see cref="GetState"/>'s output onto <paramref name="weights"/> (the same model, rebuilt);
    /// anything that does not fit is a <see cref="FormatException"/>.</summary>
    internal void SetState(IReadOnlyList<Tensor> weights, JsonObject scalars, IReadOnlyList<(string name, Tensor value)> arrays)
    {
        string optimizer = GetType().Name;
        Iterations = scalars["iterations"]?.GetValue<long>() ?? throw new FormatException($"{optimizer}: the saved optimizer state has no iteration count.");
        ReadState(scalars);
        foreach (var (name, value) in arrays)
        {
            var parts = name.Split('/');
            if (parts.Length != 2 || !int.TryParse(parts[0], out int index) || index < 0 || index >= weights.Count)
                throw new FormatException($"{optimizer}: saved state '{name}' does not name one of the model's {weights.Count} weights.");
            var weight = weights[index];
            if (parts[1] == AverageSlot)
            {
                CheckShape(optimizer, name, value, weight.Dims);
                averages[weight] = value.Data;
                continue;
            }
            int slot = SlotNames.ToList().IndexOf(parts[1]);
            if (slot < 0) throw new FormatException($"{optimizer}: saved state '{name}' is not one of its state arrays ({string.Join(", ", SlotNames)}).");
            CheckShape(optimizer, name, value, SlotShape(slot, weight.Dims));
            SlotsOf(weight)[slot] = value.Data;
        }
    }

    private static void CheckShape(string optimizer, string name, Tensor value, ReadOnlySpan<int> expected)
    {
        if (!Shapes.Equal(value.Dims, expected))
            throw new FormatException($"{optimizer}: saved state '{name}' has shape {Shapes.Format(value.Dims)} but the weight needs {Shapes.Format(expected)}.");
    }

    /// <summary>Adds state shared by all weights (not per-weight arrays) to a model file, e.g. Nadam's momentum product.</summary>
    /// <param name="state">The JSON object written to the file.</param>
    protected virtual void WriteState(JsonObject state) { }

    /// <summary>Reads what <see cref="WriteState"/> wrote.</summary>
    /// <param name="state">The JSON object read from the file.</param>
    protected virtual void ReadState(JsonObject state) { }
}

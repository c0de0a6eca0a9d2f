using System.Text.Json.Nodes;

namespace NormLab.Optimizers;

public abstract partial class Optimizer
{
    /// <summary>
    /// The optimizer's state (for BackupAndRestore): the iteration count as JSON, and every state array as a
    /// tensor named "{index}/{slot}", index being the weight's position in <paramref name="weights"/>.
    /// </summary>
    internal (JsonObject scalars, List<(string name, Tensor value)> arrays) GetState(IReadOnlyList<Tensor> weights)
    {
        var arrays = new List<(string, Tensor)>();
        for (int i = 0; i < weights.Count; i++)
            if (slots.TryGetValue(weights[i], out var state))
                for (int s = 0; s < state.Length; s++)
                    arrays.Add(($"{i}/{s}", Tensor.FromArray((float[])state[s].Clone(), weights[i].Shape)));
        return (new JsonObject { ["iterations"] = Iterations }, arrays);
    }

    /// <summary>Restores <see cref="GetState"/>'s output onto <paramref name="weights"/> (the same model, rebuilt);
    /// anything that does not fit is a <see cref="FormatException"/>, and then nothing is changed.</summary>
    internal void SetState(IReadOnlyList<Tensor> weights, JsonObject scalars, IReadOnlyList<(string name, Tensor value)> arrays)
    {
        string optimizer = GetType().Name;
        long iterations = scalars["iterations"]?.GetValue<long>() ?? throw new FormatException($"{optimizer}: the saved optimizer state has no iteration count.");
        var restored = new Dictionary<Tensor, float[][]>(ReferenceEqualityComparer.Instance);
        foreach (var (name, value) in arrays)
        {
            var parts = name.Split('/');
            if (parts.Length != 2 || !int.TryParse(parts[0], out int index) || index < 0 || index >= weights.Count
                || !int.TryParse(parts[1], out int slot) || slot < 0 || slot >= SlotCount)
                throw new FormatException($"{optimizer}: saved state '{name}' does not name one of the {SlotCount} state arrays of one of the model's {weights.Count} weights.");
            var weight = weights[index];
            if (!Shapes.Equal(value.Dims, weight.Dims))
                throw new FormatException($"{optimizer}: saved state '{name}' has shape {Shapes.Format(value.Dims)} but the weight needs {Shapes.Format(weight.Dims)}.");
            if (!restored.TryGetValue(weight, out var state))
                restored[weight] = state = Enumerable.Range(0, SlotCount).Select(_ => new float[weight.Size]).ToArray();
            state[slot] = value.Data;
        }
        Iterations = iterations;
        slots.Clear();
        foreach (var (weight, state) in restored) slots[weight] = state;
    }
}

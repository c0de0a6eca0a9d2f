namespace NormLab.Saving;

/// <summary>A model's weights as safetensors, in model order: the weights entry of a model file and a .weights.safetensors file.</summary>
internal static class WeightsFile
{
    internal static void Write(Stream stream, Model model) =>
        SafeTensors.Write(stream, model.Weights.Select((w, i) => ($"{i:D4}:{w.Name}", w)).ToList());

    /// <summary>Copies the saved tensors into the model's weights, checking their number and shapes.</summary>
    internal static void Assign(Model model, IReadOnlyList<(string name, Tensor value)> saved)
    {
        var weights = model.Weights;
        if (saved.Count != weights.Count)
            throw new FormatException($"Model '{model.Name}': the file holds {saved.Count} weights but the model has {weights.Count}.");
        for (int i = 0; i < weights.Count; i++)
            if (!Shapes.Equal(saved[i].value.Dims, weights[i].Dims))
                throw new FormatException($"Model '{model.Name}': weight {saved[i].name} has shape {Shapes.Format(saved[i].value.Dims)} but the model expects {Shapes.Format(weights[i].Dims)} ({weights[i].Name}).");
        for (int i = 0; i < weights.Count; i++) saved[i].value.Data.CopyTo(weights[i].Data, 0);
    }
}

using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Optimizers;

/// <summary>
/// The optimizer's state in a model file, beside its config (which the compile settings hold): the iteration count
/// and shared scalars in optimizer.json, the per-weight arrays (moments, moving averages) in
/// optimizer.weights.safetensors, keyed by the weight's position in the model's Weights.
/// </summary>
internal static class OptimizerFile
{
    private const string ScalarsEntry = "optimizer.json";
    private const string ArraysEntry = "optimizer.weights.safetensors";

    internal static void Write(ZipArchive zip, Model model)
    {
        if (model.Optimizer is not { } optimizer) return;
        var (scalars, arrays) = optimizer.GetState(model.Weights);
        using (var stream = zip.CreateEntry(ScalarsEntry).Open()) stream.Write(Encoding.UTF8.GetBytes(scalars.ToJsonString()));
        using (var stream = zip.CreateEntry(ArraysEntry, CompressionLevel.Fastest).Open()) SafeTensors.Write(stream, arrays);
    }

    /// <summary>Restores the state onto the loaded model's optimizer; a file saved before optimizer state was kept has none,
    /// and its optimizer starts fresh. <paramref name="readEntry"/> returns a checked entry's bytes, or null when absent.</summary>
    internal static void Read(Model model, Func<string, byte[]?> readEntry)
    {
        if (model.Optimizer is not { } optimizer || readEntry(ScalarsEntry) is not { } scalars) return;
        var arrays = readEntry(ArraysEntry) ?? throw new FormatException($"the file has {ScalarsEntry} but no {ArraysEntry}.");
        optimizer.SetState(model.Weights, JsonNode.Parse(scalars) as JsonObject ?? throw new FormatException($"{ScalarsEntry} is not a JSON object."),
            SafeTensors.Read(arrays));
    }
}

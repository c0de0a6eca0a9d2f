using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NormLab.Layers;

namespace NormLab.Saving;

/// <summary>
/// A saved model: one zip holding config.json (the architecture, build shape and compile settings)
/// and model.weights.safetensors (every weight, trainable or not, in model order).
/// Written through <see cref="AtomicFile"/>, so a crash never leaves a half-written model.
/// </summary>
internal static class ModelFile
{
    private const string ConfigEntry = "config.json";
    private const string WeightsEntry = "model.weights.safetensors";
    private const int FormatVersion = 2;   // 2: functional models list each layer once, with its calls (shared layers)

    internal static void Save(Model model, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!model.Built) throw new InvalidOperationException($"Model '{model.Name}': cannot save a model that has not been built (call it on data, or give the first layer an inputShape).");
        var config = new JsonObject
        {
            ["format"] = "normlab",
            ["version"] = FormatVersion,
            ["model"] = LayerRegistry.ToConfig(model),
            ["build_input_shape"] = model.BuiltInputShape!.ToJson(),
            ["compile"] = model.CompileConfig(),
        };
        AtomicFile.Write(path, file =>
        {
            using var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true);
            using (var stream = zip.CreateEntry(ConfigEntry).Open())
                stream.Write(Encoding.UTF8.GetBytes(config.ToJsonString(new JsonSerializerOptions { WriteIndented = true })));
            using (var stream = zip.CreateEntry(WeightsEntry, CompressionLevel.Fastest).Open())
                WeightsFile.Write(stream, model);
            Optimizers.OptimizerFile.Write(zip, model);
        });
    }

    internal static Model Load(string path, IReadOnlyDictionary<string, Type>? customObjects)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Model.Load: no model file at '{path}'.", path);
        try
        {
            using var zip = ZipFile.OpenRead(path);
            var config = JsonNode.Parse(ReadEntry(zip, ConfigEntry)) as JsonObject ?? throw new FormatException("config.json is not a JSON object.");
            if (config["format"]?.GetValue<string>() != "normlab") throw new FormatException("config.json is not a NormLab model config.");
            int version = config.GetInt("version", FormatVersion);
            if (version is < 1 or > FormatVersion)
                throw new FormatException($"config.json has format version {version}; this NormLab reads version {FormatVersion} (a newer NormLab wrote the file?).");
            using var scope = CustomObjects.Scope(customObjects);   // for layers, losses and metrics alike
            // The weights first: building the model may then allocate no more than the file holds.
            var saved = SafeTensors.Read(ReadEntry(zip, WeightsEntry));
            var model = LayerRegistry.FromConfig(config["model"]!.AsObject()) as Model ?? throw new FormatException("the saved root is not a model.");
            var shape = config.GetInts("build_input_shape") ?? throw new FormatException("config.json has no build_input_shape.");
            using (WeightBudget.Limit(saved.Sum(w => (long)w.value.Size), "the file's weights"))
                model.Build(shape);
            WeightsFile.Assign(model, saved);
            if (config["compile"] is JsonObject compile) model.CompileFromConfig(compile);
            Optimizers.OptimizerFile.Read(model, name => zip.GetEntry(name) == null ? null : ReadEntry(zip, name));
            return model;
        }
        // Any failure while reading a file that exists means the file is not a valid model: malformed
        // JSON nodes surface as InvalidCastException, negative sizes as OverflowException, and so on.
        catch (Exception e) when (e is not FileNotFoundException and not OutOfMemoryException)
        {
            throw new FormatException($"Model.Load: '{path}' is not a valid NormLab model file: {e.Message}", e);
        }
    }

    /// <summary>An entry's bytes, as many as it inflates to but never more than the zip declares (a zip bomb stops there).</summary>
    private static byte[] ReadEntry(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name) ?? throw new FormatException($"the file has no {name}.");
        if (entry.Length > Array.MaxLength) throw new FormatException($"{name} declares {entry.Length:N0} bytes, more than NormLab reads.");
        using var stream = entry.Open();
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        for (int read; (read = stream.Read(chunk)) > 0;)
        {
            if (buffer.Length + read > entry.Length)
                throw new FormatException($"{name} inflates to more than the {entry.Length:N0} bytes the zip declares.");
            buffer.Write(chunk, 0, read);
        }
        var bytes = buffer.ToArray();
        uint crc = Crc32.Of(bytes);
        if (crc != entry.Crc32)
            throw new FormatException($"{name} is corrupt: its CRC-32 is {crc:x8} where the zip records {entry.Crc32:x8}.");
        return bytes;
    }
}

using System.Text.Json.Nodes;
using NormLab.Metrics;
using NormLab.Saving;

namespace NormLab;

public partial class Model
{
    /// <summary>
    /// Saves architecture, weights (moving statistics included), compile settings and the optimizer (every
    /// hyperparameter, its schedule and its state) to one file, atomically: training resumes where it stopped.
    /// </summary>
    /// <param name="path">The file to write (conventionally <c>.normlab</c>); an existing file is replaced only once the new one is complete.</param>
    public void Save(string path) => ModelFile.Save(this, path);

    /// <summary>Rebuilds a model saved with <see cref="Save"/>; a corrupt or truncated file raises <see cref="FormatException"/>.</summary>
    /// <param name="path">The model file.</param>
    /// <param name="customObjects">User classes by saved class name (Keras's custom_objects), for classes not marked [RegisterSerializable].</param>
    public static Model Load(string path, IReadOnlyDictionary<string, Type>? customObjects = null) => ModelFile.Load(path, customObjects);

    /// <summary>Saves only the weights, every one in model order, to a safetensors file, atomically (Keras's <c>save_weights</c>).</summary>
    /// <param name="path">The file; its name must end in ".weights.safetensors", as Keras's in ".weights.h5".</param>
    /// <exception cref="ArgumentNullException">When <paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException">When <paramref name="path"/> is empty or does not end in ".weights.safetensors".</exception>
    /// <exception cref="InvalidOperationException">When the model has not been built.</exception>
    public void SaveWeights(string path)
    {
        RequireWeightsFileName(path, "SaveWeights");
        if (!Built) throw new InvalidOperationException($"Model '{Name}': cannot save the weights of a model that has not been built.");
        AtomicFile.Write(path, stream => WeightsFile.Write(stream, this));
    }

    /// <summary>Loads weights saved by <see cref="SaveWeights"/> into this model, which must have the same architecture (checked: count and shapes).</summary>
    /// <param name="path">The ".weights.safetensors" file.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException">When <paramref name="path"/> is empty or does not end in ".weights.safetensors".</exception>
    /// <exception cref="FileNotFoundException">When there is no file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidOperationException">When the model has not been built.</exception>
    /// <exception cref="FormatException">When the file is not a valid safetensors file, or its weights differ from the model's in count or shape.</exception>
    public void LoadWeights(string path)
    {
        RequireWeightsFileName(path, "LoadWeights");
        if (!File.Exists(path)) throw new FileNotFoundException($"Model '{Name}': LoadWeights found no file at '{path}'.", path);
        if (!Built) throw new InvalidOperationException($"Model '{Name}': build the model (call it on data or give it an input shape) before LoadWeights.");
        WeightsFile.Assign(this, SafeTensors.Read(File.ReadAllBytes(path)));
    }

    private void RequireWeightsFileName(string path, string method)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!path.EndsWith(".weights.safetensors", StringComparison.Ordinal))
            throw new ArgumentException($"Model '{Name}': {method} needs a file name ending in \".weights.safetensors\", received '{path}'.");
    }

    /// <summary>The compile settings; a model with several outputs saves lists (one entry per output) and loss_weights.</summary>
    internal JsonObject? CompileConfig()
    {
        if (heads.Count == 0 || optimizer == null) return null;
        JsonNode PerOutput(Func<OutputHead, JsonNode> value) => heads.Count == 1 ? value(heads[0]) : new JsonArray(heads.Select(value).ToArray());
        var config = new JsonObject
        {
            ["optimizer"] = optimizer.GetConfig(),
            ["loss"] = PerOutput(h => CustomObjects.ToConfig(h.Loss, h.Loss.Name)),
            ["from_logits"] = PerOutput(h => h.Loss.FromLogits),
            ["metrics"] = PerOutput(h => new JsonArray(h.Metrics.Select(m => CustomObjects.ToConfig(m, m.Name)).ToArray())),
        };
        if (heads.Count > 1) config["loss_weights"] = new JsonArray(heads.Select(h => (JsonNode)h.Weight).ToArray());
        return config;
    }

    internal void CompileFromConfig(JsonObject config)
    {
        var restored = Optimizers.Optimizer.FromConfig(config["optimizer"]);
        // Files from before the optimizer's config was saved hold its name and learning rate only.
        if (config["learning_rate"] is JsonValue learningRate) restored.LearningRate = learningRate.GetValue<double>();
        static List<Metric> Metrics(JsonNode? names) => names!.AsArray().Select(m => CustomObjects.FromConfig(m, Metric.Get)).ToList();
        static Losses.Loss Loss(JsonNode? node, JsonNode? fromLogits) =>
            CustomObjects.FromConfig(node, name => Losses.Loss.Get(name, fromLogits?.GetValue<bool>() ?? false));
        if (config["loss"] is JsonArray losses)
        {
            var fromLogits = config["from_logits"]!.AsArray();
            Compile(restored, losses.Select((l, i) => Loss(l, fromLogits[i])).ToList(),
                config["loss_weights"]!.AsArray().Select(w => w!.GetValue<double>()).ToList(),
                config["metrics"]!.AsArray().Select(Metrics).ToList());
            return;
        }
        Compile(restored, Loss(config["loss"], config["from_logits"]), Metrics(config["metrics"]));
    }
}

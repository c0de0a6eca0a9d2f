using System.Text.Json.Nodes;
using NormLab.Metrics;
using NormLab.Saving;

namespace NormLab;

public partial class Model
{
    /// <summary>
    /// Saves architecture, weights (moving statistics included) and compile settings to one file,
    /// atomically. Optimizer state is not saved: a loaded model restarts its optimizer.
    /// </summary>
    public void Save(string path) => ModelFile.Save(this, path);

    /// <summary>Rebuilds a model saved with <see cref="Save"/>; a corrupt or truncated file raises <see cref="FormatException"/>.</summary>
    public static Model Load(string path) => ModelFile.Load(path);

    internal JsonObject? CompileConfig() => loss == null || optimizer == null ? null : new JsonObject
    {
        ["optimizer"] = optimizer.GetType().Name.ToLowerInvariant(),
        ["learning_rate"] = optimizer.LearningRate,
        ["loss"] = loss.Name,
        ["from_logits"] = loss.FromLogits,
        ["metrics"] = new JsonArray(metrics.Select(m => (JsonNode)m.Name).ToArray()),
    };

    internal void CompileFromConfig(JsonObject config)
    {
        var restored = Optimizers.Optimizer.Get(config["optimizer"]!.GetValue<string>());
        restored.LearningRate = config["learning_rate"]!.GetValue<double>();
        Compile(restored, Losses.Loss.Get(config["loss"]!.GetValue<string>(), config["from_logits"]?.GetValue<bool>() ?? false),
            config["metrics"]!.AsArray().Select(m => Metric.Get(m!.GetValue<string>())));
    }
}

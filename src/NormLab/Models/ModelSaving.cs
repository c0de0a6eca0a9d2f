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
    public void Save(string path) => ModelFile.Save(this, path);

    /// <summary>Rebuilds a model saved with <see cref="Save"/>; a corrupt or truncated file raises <see cref="FormatException"/>.</summary>
    public static Model Load(string path) => ModelFile.Load(path);

    internal JsonObject? CompileConfig() => loss == null || optimizer == null ? null : new JsonObject
    {
        ["optimizer"] = optimizer.GetConfig(),
        ["loss"] = loss.Name,
        ["from_logits"] = loss.FromLogits,
        ["metrics"] = new JsonArray(metrics.Select(m => (JsonNode)m.Name).ToArray()),
    };

    internal void CompileFromConfig(JsonObject config)
    {
        var restored = Optimizers.Optimizer.FromConfig(config["optimizer"]);
        // Files from before the optimizer's config was saved hold its name and learning rate only.
        if (config["learning_rate"] is JsonValue learningRate) restored.LearningRate = learningRate.GetValue<double>();
        Compile(restored, Losses.Loss.Get(config["loss"]!.GetValue<string>(), config["from_logits"]?.GetValue<bool>() ?? false),
            config["metrics"]!.AsArray().Select(m => Metric.Get(m!.GetValue<string>())));
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using NormLab.Saving;

namespace NormLab.Cli.Lab;

/// <summary>`--json`: every number of a comparison (settings, each run per epoch, the summaries and the findings).</summary>
internal static class ResultsJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower), new NaNAsNull() },
    };

    /// <summary>NaN (nothing measured, e.g. epochs to a target never reached) as JSON null, which every reader accepts.</summary>
    private sealed class NaNAsNull : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type type, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(value);
            else writer.WriteNullValue();
        }
    }

    internal static JsonObject ToJson(ComparisonResult result)
    {
        var root = new JsonObject
        {
            ["normlab_compare"] = 1,
            ["started_utc"] = result.StartedUtc.ToString("O"),
            ["total_seconds"] = result.TotalSeconds,
            ["dataset"] = result.Dataset,
            ["train_samples"] = result.TrainSamples,
            ["test_samples"] = result.TestSamples,
            ["input_shape"] = JsonSerializer.SerializeToNode(result.InputShape, Options),
            ["classes"] = result.Classes,
            ["settings"] = JsonSerializer.SerializeToNode(result.Settings, Options),
            ["runs"] = new JsonArray(result.Runs.Select(r =>
            {
                var run = JsonSerializer.SerializeToNode(r, Options)!.AsObject();
                run["epochs_to_target"] = r.EpochsTo(result.Settings.TargetAccuracy);
                // Written for readers of the file; reading classifies the history again (older files have no status).
                run["status"] = JsonSerializer.SerializeToNode(result.StatusOf(r), Options);
                return (JsonNode)run;
            }).ToArray()),
            ["summary"] = JsonSerializer.SerializeToNode(result.Cells, Options),
            ["findings"] = new JsonArray(Findings.Compute(result).Select(f => (JsonNode)f).ToArray()),
            // The numbers of the learning-rate charts are the summary's; these are the sweeps' sensitivities and failures.
            ["learning_rate_sweeps"] = JsonSerializer.SerializeToNode(LearningRateSweep.Of(result), Options),
            ["scope"] = Scope.Of(result),
        };
        if (result.Study != null)
        {
            var study = Studies.Get(result.Study);
            root["study"] = new JsonObject
            {
                ["name"] = study.Name,
                ["question"] = study.Question,
                ["setup"] = Study.Setup(result.Settings, result.Dataset, result.TrainSamples, result.TestSamples),
                ["result"] = new JsonArray(study.Answer(result).Select(a => (JsonNode)a).ToArray()),
                ["does_not_show"] = study.DoesNotShow,
            };
        }
        return root;
    }

    /// <summary>
    /// Reads a file written by <see cref="Write"/> (also a partial one, saved while a comparison ran), and checks
    /// that it holds what the table, the findings and the report need; anything else is a <see cref="FormatException"/>
    /// that says what is wrong and where.
    /// </summary>
    internal static ComparisonResult Read(string path)
    {
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new FormatException("the file is not a JSON object");
            if (root["normlab_compare"] == null) throw new FormatException("no \"normlab_compare\" key");
            var settings = root["settings"].Deserialize<CompareSettings>(Options) ?? throw new FormatException("no \"settings\"");
            // Files written before the learning-rate axis hold one "learning_rate".
            if (root["settings"]!["learning_rates"] == null && root["settings"]!["learning_rate"] is { } single)
                settings = settings with { LearningRates = [single.GetValue<double>()] };
            CheckSettings(settings);
            var runs = Array(root, "runs").Select((n, i) => ReadRun(n as JsonObject ?? throw new FormatException($"runs[{i}] is not an object"), i, settings)).ToList();
            var inputShape = Array(root, "input_shape").Select(v => v!.GetValue<int>()).ToArray();
            Require(inputShape.Length > 0 && inputShape.All(d => d > 0), "\"input_shape\" must list positive sizes");
            int train = root["train_samples"]!.GetValue<int>(), test = root["test_samples"]!.GetValue<int>();
            Require(train >= 0 && test >= 0, "the sample counts must not be negative");
            double seconds = root["total_seconds"]!.GetValue<double>();
            int classes = root["classes"]?.GetValue<int>() ?? 10;
            Require(classes >= 2, "\"classes\" must be at least 2");
            string? study = root["study"]?["name"]?.GetValue<string>();
            if (study != null) Studies.Get(study);
            return new ComparisonResult(settings, root["dataset"]!.GetValue<string>(), train, test, inputShape,
                DateTime.Parse(root["started_utc"]!.GetValue<string>(), null, System.Globalization.DateTimeStyles.RoundtripKind), seconds, runs)
                { Classes = classes, Study = study };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException or ArgumentException)
        {
            throw new FormatException($"'{path}' is not a valid normlab compare --json file: {e.Message}", e);
        }
    }

    private static void CheckSettings(CompareSettings s)
    {
        Require(s.Norms is { Count: > 0 } && s.BatchSizes is { Count: > 0 } && s.Placements is { Count: > 0 } && s.Arch != null,
            "\"settings\" needs an arch and non-empty norms, batch_sizes and placements");
        foreach (var norm in s.Norms) NormalizationCatalog.Get(norm ?? "");
        Require(s.BatchSizes.All(b => b > 0), "settings.batch_sizes must be positive");
        Require(s.Depths != null && s.Depths.All(d => d > 0), "settings.depths must be positive");
        Require(s.Epochs > 0 && s.Seeds > 0 && s.Replicas > 0, "settings.epochs, seeds and replicas must be positive");
        Require(s.TargetAccuracy is >= 0 and <= 1, "settings.target_accuracy must be in [0, 1]");
        Require(s.LearningRates is { Count: > 0 } && s.LearningRates.All(r => double.IsFinite(r) && r > 0), "settings.learning_rates must list positive numbers");
        Require(s.Optimizers is { Count: > 0 }, "settings.optimizers must not be empty");
        foreach (var optimizer in s.Optimizers) OptimizerChoice.Check(optimizer ?? "");
    }

    private static RunResult ReadRun(JsonObject r, int index, CompareSettings settings)
    {
        string where = $"runs[{index}]";
        var run = new RunResult(r["norm"]!.GetValue<string>(), r["placement"]!.GetValue<string>(), r["batch_size"]!.GetValue<int>(),
            r["seed"]!.GetValue<int>(), r["parameters"]!.GetValue<int>())
        {
            Diverged = r["diverged"]?.GetValue<bool>() ?? false,
            // Older files: every run trained with the settings' one optimizer and learning rate, its loss at initialization unrecorded.
            Optimizer = r["optimizer"]?.GetValue<string>() ?? settings.Optimizers[0],
            LearningRate = r["learning_rate"]?.GetValue<double>() ?? settings.LearningRates[0],
            InitialTestLoss = r["initial_test_loss"]?.GetValue<double>() ?? double.NaN,
            Depth = r["depth"]?.GetValue<int>(),
        };
        Require(settings.Norms.Contains(run.Norm) && settings.BatchSizes.Contains(run.BatchSize) && settings.Optimizers.Contains(run.Optimizer)
            && settings.LearningRates.Contains(run.LearningRate), $"{where} has a norm, batch size, optimizer or learning rate its settings do not list");
        // Files written before --depths have neither; a depth must be one of the settings' depths, and each run of a depth axis has one.
        Require(run.Depth is { } d ? settings.Depths.Contains(d) : settings.Depths.Count == 0, $"{where}.depth must be one of settings.depths");
        // The names Comparison writes: a Placement in lower case, or "between" for the rnn.
        var placements = Enum.GetNames<Placement>().Select(p => p.ToLowerInvariant()).Append("between").ToList();
        Require(placements.Contains(run.Placement), $"{where}.placement must be one of {string.Join(", ", placements)}");
        Require(run.Parameters >= 0, $"{where}.parameters must not be negative");
        List<double> Doubles(string key) => Array(r, key).Select(v => v?.GetValue<double>() ?? double.NaN).ToList();
        run.EpochLoss.AddRange(Doubles("epoch_loss"));
        run.EpochTrainAccuracy.AddRange(Doubles("epoch_train_accuracy"));
        run.EpochTestAccuracy.AddRange(Doubles("epoch_test_accuracy"));
        run.EpochTestLoss.AddRange(Doubles("epoch_test_loss"));
        run.EpochSeconds.AddRange(Doubles("epoch_seconds"));
        if (r["epoch_cpu_seconds"] != null) run.EpochCpuSeconds.AddRange(Doubles("epoch_cpu_seconds"));
        int epochs = run.EpochLoss.Count;
        Require(epochs <= settings.Epochs && new[] { run.EpochTrainAccuracy, run.EpochTestAccuracy, run.EpochTestLoss, run.EpochSeconds }.All(l => l.Count == epochs)
            && run.EpochCpuSeconds.Count is var cpu && (cpu == 0 || cpu == epochs), $"{where}: the per-epoch lists must have one value per finished epoch (at most settings.epochs)");
        Require(run.EpochTestAccuracy.All(a => double.IsNaN(a) || a is >= 0 and <= 1), $"{where}: test accuracies must be in [0, 1]");
        run.LossCurve.AddRange(Array(r, "loss_curve").Select(p => Array(p, null).Select(v => v?.GetValue<double>() ?? double.NaN).ToArray()));
        Require(run.LossCurve.All(p => p.Length == 2), $"{where}.loss_curve must hold [epoch, loss] pairs");
        run.Mixing.AddRange(Array(r, "mixing").Select(m => m.Deserialize<MixingReport>(Options)
            ?? throw new FormatException($"{where}.mixing holds a null")));
        Require(run.Mixing.All(m => m.Layer != null && m.Title != null && m.Labels != null && m.Values != null && m.Labels.Count == m.Values.Count),
            $"{where}.mixing needs a layer, a title and one value per label");
        return run;
    }

    /// <summary>The array at <paramref name="key"/> of <paramref name="node"/> (or <paramref name="node"/> itself when the key is null).</summary>
    private static JsonArray Array(JsonNode? node, string? key) =>
        (key == null ? node : node?[key]) as JsonArray ?? throw new FormatException(key == null ? "expected an array" : $"\"{key}\" is not an array");

    private static void Require(bool condition, string what)
    {
        if (!condition) throw new FormatException(what);
    }

    /// <summary>Writes the file atomically (temporary file, fsync, rename): a kill or a full disk keeps the previous checkpoint.</summary>
    internal static void Write(ComparisonResult result, string path) =>
        AtomicFile.WriteText(path, ToJson(result).ToJsonString(Options) + "\n");
}

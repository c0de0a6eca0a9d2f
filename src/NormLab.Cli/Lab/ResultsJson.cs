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
            ["settings"] = JsonSerializer.SerializeToNode(result.Settings, Options),
            ["runs"] = new JsonArray(result.Runs.Select(r =>
            {
                var run = JsonSerializer.SerializeToNode(r, Options)!.AsObject();
                run["epochs_to_target"] = r.EpochsTo(result.Settings.TargetAccuracy);
                return (JsonNode)run;
            }).ToArray()),
            ["summary"] = JsonSerializer.SerializeToNode(result.Cells, Options),
            ["findings"] = new JsonArray(Findings.Compute(result).Select(f => (JsonNode)f).ToArray()),
        };
        return root;
    }

    /// <summary>Reads a file written by <see cref="Write"/> (also a partial one, saved while a comparison ran).</summary>
    internal static ComparisonResult Read(string path)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new FormatException("empty");
            if (root["normlab_compare"] == null) throw new FormatException("no \"normlab_compare\" key");
            var settings = root["settings"].Deserialize<CompareSettings>(Options)!;
            var runs = root["runs"]!.AsArray().Select(n =>
            {
                var r = n!.AsObject();
                var run = new RunResult(r["norm"]!.GetValue<string>(), r["placement"]!.GetValue<string>(), r["batch_size"]!.GetValue<int>(),
                    r["seed"]!.GetValue<int>(), r["parameters"]!.GetValue<int>()) { Diverged = r["diverged"]?.GetValue<bool>() ?? false };
                List<double> Doubles(string key) => r[key]!.AsArray().Select(v => v?.GetValue<double>() ?? double.NaN).ToList();
                run.EpochLoss.AddRange(Doubles("epoch_loss"));
                run.EpochTrainAccuracy.AddRange(Doubles("epoch_train_accuracy"));
                run.EpochTestAccuracy.AddRange(Doubles("epoch_test_accuracy"));
                run.EpochTestLoss.AddRange(Doubles("epoch_test_loss"));
                run.EpochSeconds.AddRange(Doubles("epoch_seconds"));
                if (r["epoch_cpu_seconds"] != null) run.EpochCpuSeconds.AddRange(Doubles("epoch_cpu_seconds"));
                run.LossCurve.AddRange(r["loss_curve"]!.AsArray().Select(p => p!.AsArray().Select(v => v?.GetValue<double>() ?? double.NaN).ToArray()));
                run.Mixing.AddRange(r["mixing"]!.AsArray().Select(m => m.Deserialize<MixingReport>(Options)!));
                return run;
            }).ToList();
            return new ComparisonResult(settings, root["dataset"]!.GetValue<string>(), root["train_samples"]!.GetValue<int>(),
                root["test_samples"]!.GetValue<int>(), root["input_shape"]!.AsArray().Select(v => v!.GetValue<int>()).ToArray(),
                DateTime.Parse(root["started_utc"]!.GetValue<string>(), null, System.Globalization.DateTimeStyles.RoundtripKind),
                root["total_seconds"]!.GetValue<double>(), runs);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException)
        {
            throw new FormatException($"'{path}' is not a normlab compare --json file: {e.Message}", e);
        }
    }

    /// <summary>Writes the file atomically (temporary file, fsync, rename): a kill or a full disk keeps the previous checkpoint.</summary>
    internal static void Write(ComparisonResult result, string path) =>
        AtomicFile.WriteText(path, ToJson(result).ToJsonString(Options) + "\n");
}

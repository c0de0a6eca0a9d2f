using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

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

    internal static void Write(ComparisonResult result, string path) =>
        File.WriteAllText(path, ToJson(result).ToJsonString(Options) + "\n");
}

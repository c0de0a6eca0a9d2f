using System.Text.Json.Nodes;

namespace NormLab.Saving;

/// <summary>Typed reads of saved configs, with defaults for keys an older file lacks.</summary>
internal static class ConfigReader
{
    internal static double GetDouble(this JsonObject config, string key, double fallback) =>
        config[key] is JsonValue v ? v.GetValue<double>() : fallback;

    internal static int GetInt(this JsonObject config, string key, int fallback) =>
        config[key] is JsonValue v ? v.GetValue<int>() : fallback;

    internal static bool GetBool(this JsonObject config, string key, bool fallback) =>
        config[key] is JsonValue v ? v.GetValue<bool>() : fallback;

    internal static string? GetString(this JsonObject config, string key, string? fallback = null) =>
        config[key] is JsonValue v ? v.GetValue<string>() : fallback;

    internal static int[]? GetInts(this JsonObject config, string key) =>
        config[key] is JsonArray a ? a.Select(n => n!.GetValue<int>()).ToArray() : config[key] is JsonValue v ? [v.GetValue<int>()] : null;

    internal static float[]? GetFloats(this JsonObject config, string key) =>
        config[key] is JsonArray a ? a.Select(n => n!.GetValue<float>()).ToArray() : null;

    internal static JsonArray ToJson(this IEnumerable<int> values) => new(values.Select(v => (JsonNode)v).ToArray());

    internal static JsonArray ToJson(this IEnumerable<float> values) => new(values.Select(v => (JsonNode)v).ToArray());
}

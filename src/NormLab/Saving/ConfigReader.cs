using System.Text.Json.Nodes;

namespace NormLab.Saving;

/// <summary>Typed reads of saved configs, with defaults for keys an older file lacks.</summary>
internal static class ConfigReader
{
    internal static double GetDouble(this JsonObject config, string key, double fallback) =>
        Value(config, key) is { } v ? v.GetValue<double>() : fallback;

    internal static int GetInt(this JsonObject config, string key, int fallback) =>
        Value(config, key) is { } v ? v.GetValue<int>() : fallback;

    internal static bool GetBool(this JsonObject config, string key, bool fallback) =>
        Value(config, key) is { } v ? v.GetValue<bool>() : fallback;

    internal static string? GetString(this JsonObject config, string key, string? fallback = null) =>
        Value(config, key) is { } v ? v.GetValue<string>() : fallback;

    internal static int[]? GetInts(this JsonObject config, string key) =>
        config[key] is JsonArray a ? a.Select(n => n!.GetValue<int>()).ToArray() : Value(config, key) is { } v ? [v.GetValue<int>()] : null;

    /// <summary>
    /// The plain value at <paramref name="key"/>, or null when the key is missing (the fallback applies). An
    /// object or array where a plain value belongs is an error, never the fallback: an activation saved as
    /// an object must not quietly load as "linear".
    /// </summary>
    private static JsonValue? Value(JsonObject config, string key) => config[key] switch
    {
        null => null,
        JsonValue v => v,
        var other => throw new FormatException($"the config of '{config["name"]?.ToString() ?? "?"}' has {other.ToJsonString()} for '{key}' where a single value belongs."),
    };

    internal static float[]? GetFloats(this JsonObject config, string key) =>
        config[key] is JsonArray a ? a.Select(n => n!.GetValue<float>()).ToArray() : null;

    internal static JsonArray ToJson(this IEnumerable<int> values) => new(values.Select(v => (JsonNode)v).ToArray());

    internal static JsonArray ToJson(this IEnumerable<float> values) => new(values.Select(v => (JsonNode)v).ToArray());
}

using System.Text.Json.Nodes;

namespace NormLab.Saving;

/// <summary>
/// Resolves the Keras names of one kind of object (activation, initializer, optimizer, ...) to
/// instances, and rebuilds them from saved configs. Unknown names list the valid ones.
/// </summary>
internal sealed class NamedRegistry<T>(string kind, Dictionary<string, Func<JsonObject, T>> factories)
{
    private readonly Dictionary<string, Func<JsonObject, T>> factories =
        new(factories, StringComparer.OrdinalIgnoreCase);

    internal IEnumerable<string> Names => factories.Keys.Order();

    /// <summary>The object called <paramref name="name"/> with its default configuration.</summary>
    internal T Get(string name) => Create(name, new JsonObject());

    /// <summary>Rebuilds an object from <c>{"class_name": ..., "config": {...}}</c>.</summary>
    internal T FromConfig(JsonNode? node)
    {
        if (node is JsonValue value && value.TryGetValue<string>(out var name)) return Get(name);
        if (node is not JsonObject obj || obj["class_name"]?.GetValue<string>() is not string className)
            throw new FormatException($"A saved {kind} must be a name or {{\"class_name\", \"config\"}}, found: {node?.ToJsonString() ?? "null"}.");
        return Create(className, obj["config"] as JsonObject ?? new JsonObject());
    }

    /// <summary>Writes <c>{"class_name": ..., "config": {...}}</c>.</summary>
    internal static JsonObject ToConfig(string className, JsonObject config) =>
        new() { ["class_name"] = className, ["config"] = config };

    private T Create(string name, JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!factories.TryGetValue(name, out var factory))
            throw new ArgumentException($"Unknown {kind} '{name}'. Valid {kind} names: {string.Join(", ", Names)}.");
        return factory(config);
    }
}

using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NormLab.Saving;

/// <summary>
/// User classes in saved models: found in the <c>customObjects</c> given to Load, else among the classes marked
/// <see cref="RegisterSerializableAttribute"/>, and rebuilt from their config as Keras calls <c>cls.from_config(config)</c>.
/// </summary>
internal static class CustomObjects
{
    private static readonly AsyncLocal<IReadOnlyDictionary<string, Type>?> Scoped = new();
    private static readonly Dictionary<string, Type> Registered = new();
    private static readonly HashSet<Assembly> Scanned = new();

    /// <summary>Makes <paramref name="customObjects"/> visible to every lookup until disposed (Keras's custom_object_scope).</summary>
    internal static IDisposable Scope(IReadOnlyDictionary<string, Type>? customObjects)
    {
        var previous = Scoped.Value;
        if (customObjects != null && previous != null)
            customObjects = previous.Concat(customObjects).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value);
        Scoped.Value = customObjects ?? previous;
        return new Restore(() => Scoped.Value = previous);
    }

    /// <summary>"package&gt;Name" for a registered class, as Keras writes registered_name; null otherwise.</summary>
    internal static string? RegisteredName(Type type) =>
        type.GetCustomAttribute<RegisterSerializableAttribute>() is { } a ? $"{a.Package}>{a.Name ?? type.Name}" : null;

    /// <summary>The user class for a saved class name: customObjects first (by class or registered name), then registered classes.</summary>
    internal static Type? Find(string className, string? registeredName)
    {
        if (Scoped.Value is { } scoped)
        {
            if (scoped.TryGetValue(className, out var type)) return type;
            if (registeredName != null && scoped.TryGetValue(registeredName, out type)) return type;
        }
        lock (Registered)
        {
            ScanLoadedAssemblies();
            return registeredName != null && Registered.TryGetValue(registeredName, out var registered) ? registered : null;
        }
    }

    /// <summary>A registered class with this plain class name (for files that have no registered_name).</summary>
    internal static Type? FindByClassName(string className)
    {
        lock (Registered)
        {
            ScanLoadedAssemblies();
            var matches = Registered.Values.Where(t => (t.GetCustomAttribute<RegisterSerializableAttribute>()!.Name ?? t.Name) == className).Distinct().ToList();
            return matches.Count == 1 ? matches[0] : null;
        }
    }

    /// <summary>
    /// A loss or metric in the compile settings: its Keras name for NormLab's own, or
    /// <c>{"class_name", "registered_name", "config": {}}</c> for a user class (rebuilt with its parameterless constructor).
    /// </summary>
    internal static JsonNode ToConfig(object value, string name)
    {
        var type = value.GetType();
        if (type.Assembly == typeof(CustomObjects).Assembly) return name;
        return new JsonObject { ["class_name"] = type.Name, ["registered_name"] = RegisteredName(type), ["config"] = new JsonObject() };
    }

    /// <summary>Reads <see cref="ToConfig"/>'s output: a name through <paramref name="byName"/>, a user class through customObjects or registration.</summary>
    internal static T FromConfig<T>(JsonNode? node, Func<string, T> byName) where T : class
    {
        if (node is JsonValue value) return byName(value.GetValue<string>());
        var saved = node as JsonObject ?? throw new FormatException($"A saved {typeof(T).Name} must be a name or {{\"class_name\", \"config\"}}, found: {node?.ToJsonString() ?? "null"}.");
        string className = saved["class_name"]!.GetValue<string>();
        var type = Find(className, saved["registered_name"]?.GetValue<string>()) ?? FindByClassName(className)
            ?? throw new FormatException(HowToRegister(className));
        return Create(type, saved["config"] as JsonObject ?? new JsonObject()) as T
            ?? throw new FormatException($"Custom object '{className}' ({type.FullName}) is not a {typeof(T).Name}.");
    }

    /// <summary>The message for a class nobody registered, saying how to register it.</summary>
    internal static string HowToRegister(string className) =>
        $"Unknown class '{className}' in the saved model: mark the class [RegisterSerializable(package: \"...\")] (NormLab.Saving), " +
        $"or pass customObjects: new Dictionary<string, Type> {{ [\"{className}\"] = typeof({className}) }} to Model.Load.";

    /// <summary>
    /// Rebuilds an object of <paramref name="type"/> from its config: its public static FromConfig(JsonObject) when it has one,
    /// else the public constructor whose parameters take every config key (snake_case → camelCase), "trainable" aside.
    /// </summary>
    internal static object Create(Type type, JsonObject config)
    {
        var fromConfig = type.GetMethod("FromConfig", BindingFlags.Public | BindingFlags.Static, [typeof(JsonObject)]);
        if (fromConfig != null && type.IsAssignableFrom(fromConfig.ReturnType))
            return fromConfig.Invoke(null, [config])!;
        var keys = config.Select(kv => kv.Key).Where(k => k != "trainable").ToList();
        foreach (var constructor in type.GetConstructors().OrderByDescending(c => c.GetParameters().Length))
        {
            var parameters = constructor.GetParameters();
            var byKey = keys.ToDictionary(k => k, k => parameters.FirstOrDefault(p => Matches(k, p.Name!)));
            if (byKey.Values.Any(p => p == null) || parameters.Any(p => !p.HasDefaultValue && !byKey.ContainsValue(p))) continue;
            var arguments = parameters.Select(p => byKey.ContainsValue(p)
                ? Convert(type, byKey.First(kv => kv.Value == p).Key, config, p.ParameterType)
                : p.DefaultValue).ToArray();
            return Unwrap(() => constructor.Invoke(arguments));
        }
        throw new FormatException($"Cannot rebuild {type.Name} from its config keys ({string.Join(", ", keys)}): give it a public constructor " +
            "whose parameters are these keys in camelCase (e.g. kernel_size → kernelSize), or a public static FromConfig(JsonObject).");
    }

    private static bool Matches(string key, string parameter) =>
        string.Equals(key.Replace("_", ""), parameter, StringComparison.OrdinalIgnoreCase);

    private static object? Convert(Type type, string key, JsonObject config, Type target)
    {
        try { return config[key].Deserialize(target); }
        catch (JsonException e)
        {
            throw new FormatException($"{type.Name}: config key '{key}' = {config[key]?.ToJsonString() ?? "null"} does not convert to {target.Name}.", e);
        }
    }

    private static object Unwrap(Func<object> create)
    {
        try { return create(); }
        catch (TargetInvocationException e) when (e.InnerException != null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    /// <summary>Reads the [RegisterSerializable] classes of every loaded assembly that references NormLab, once per assembly.</summary>
    private static void ScanLoadedAssemblies()
    {
        string normLab = typeof(CustomObjects).Assembly.GetName().Name!;
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (assembly.IsDynamic || !Scanned.Add(assembly)) continue;
            if (assembly.GetReferencedAssemblies().All(a => a.Name != normLab)) continue;
            Type[] types;
            try { types = assembly.GetTypes(); }
            catch (ReflectionTypeLoadException e) { types = e.Types.Where(t => t != null).ToArray()!; }
            foreach (var type in types)
                if (RegisteredName(type) is string registered) Registered[registered] = type;
        }
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}

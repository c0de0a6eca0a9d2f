namespace NormLab.Saving;

/// <summary>
/// Registers a custom layer or model class so <see cref="Model.Load"/> finds it without <c>customObjects</c>,
/// as Keras's <c>@keras.saving.register_keras_serializable(package=...)</c>. Load rebuilds it with its static
/// <c>FromConfig(JsonObject)</c> when it has one, or else with the public constructor whose parameters are the
/// config's keys (snake_case keys match camelCase parameters: "kernel_size" → kernelSize).
/// </summary>
/// <example><code>
/// [RegisterSerializable(package: "MyPackage")]
/// public sealed class Linear(int units, string? name = null) : Layer(name) { ... }
/// </code></example>
/// <param name="package">The package, saved as "package&gt;Name" (Keras's registered name); "Custom" by default as Keras.</param>
/// <param name="name">The registered class name; the C# class name when omitted.</param>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class RegisterSerializableAttribute(string package = "Custom", string? name = null) : Attribute
{
    /// <summary>The package part of the registered name.</summary>
    public string Package { get; } = package;

    /// <summary>The class part of the registered name (null: the C# class name).</summary>
    public string? Name { get; } = name;
}

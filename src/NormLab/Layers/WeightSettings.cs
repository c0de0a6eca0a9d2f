using System.Text.Json.Nodes;
using NormLab.Constraints;
using NormLab.Initializers;
using NormLab.Regularizers;

namespace NormLab.Layers;

/// <summary>How one weight is initialized, regularized and constrained: the three arguments Keras takes
/// per weight (<c>kernel_initializer</c>, <c>kernel_regularizer</c>, <c>kernel_constraint</c>), under the
/// weight's name, which is also the prefix of those config keys.</summary>
internal sealed record WeightSettings(string Name, Initializer Initializer, Regularizer? Regularizer, Constraint? Constraint)
{
    /// <summary>Writes the weights' settings in Keras's key order: all initializers, then all regularizers,
    /// then all constraints.</summary>
    internal static void WriteTo(JsonObject config, params WeightSettings[] weights)
    {
        foreach (var w in weights) config[$"{w.Name}_initializer"] = w.Initializer.GetConfig();
        foreach (var w in weights) config[$"{w.Name}_regularizer"] = w.Regularizer?.GetConfig();
        foreach (var w in weights) config[$"{w.Name}_constraint"] = w.Constraint?.GetConfig();
    }

    /// <summary>Reads the settings of weight <paramref name="name"/>; <paramref name="defaultInitializer"/>
    /// where the config has no initializer (null: the config's value is read as it is).</summary>
    internal static WeightSettings Read(JsonObject c, string name, Initializer? defaultInitializer)
    {
        var init = c[$"{name}_initializer"];
        return new(name,
            init is null && defaultInitializer != null ? defaultInitializer : Initializer.FromConfig(init),
            c[$"{name}_regularizer"] is { } r ? Regularizer.FromConfig(r) : null,
            c[$"{name}_constraint"] is { } k ? Constraint.FromConfig(k) : null);
    }
}

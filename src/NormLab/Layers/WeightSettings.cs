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
    /// <summary>Writes two weights' settings in Keras's key order: both initializers, then both
    /// regularizers, then both constraints.</summary>
    internal static void WriteTo(JsonObject config, WeightSettings first, WeightSettings second)
    {
        config[$"{first.Name}_initializer"] = first.Initializer.GetConfig();
        config[$"{second.Name}_initializer"] = second.Initializer.GetConfig();
        config[$"{first.Name}_regularizer"] = first.Regularizer?.GetConfig();
        config[$"{second.Name}_regularizer"] = second.Regularizer?.GetConfig();
        config[$"{first.Name}_constraint"] = first.Constraint?.GetConfig();
        config[$"{second.Name}_constraint"] = second.Constraint?.GetConfig();
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

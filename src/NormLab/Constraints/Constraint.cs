using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Constraints;

/// <summary>
/// A projection applied to a weight after every optimizer step (Keras constraints).
/// Names: non_neg, max_norm, unit_norm, min_max_norm. Norms are taken over <c>axis</c>
/// (Keras's default 0: per output unit of a Dense kernel).
/// </summary>
public abstract class Constraint
{
    private static readonly NamedRegistry<Constraint> Registry = new("constraint", new()
    {
        ["non_neg"] = _ => new NonNeg(),
        ["NonNeg"] = _ => new NonNeg(),
        ["max_norm"] = c => new NormBound(0, c.GetDouble("max_value", 2), 1, c.GetInt("axis", 0), "MaxNorm"),
        ["MaxNorm"] = c => new NormBound(0, c.GetDouble("max_value", 2), 1, c.GetInt("axis", 0), "MaxNorm"),
        ["unit_norm"] = c => new NormBound(1, 1, 1, c.GetInt("axis", 0), "UnitNorm"),
        ["UnitNorm"] = c => new NormBound(1, 1, 1, c.GetInt("axis", 0), "UnitNorm"),
        ["min_max_norm"] = c => new NormBound(c.GetDouble("min_value", 0), c.GetDouble("max_value", 1), c.GetDouble("rate", 1), c.GetInt("axis", 0), "MinMaxNorm"),
        ["MinMaxNorm"] = c => new NormBound(c.GetDouble("min_value", 0), c.GetDouble("max_value", 1), c.GetDouble("rate", 1), c.GetInt("axis", 0), "MinMaxNorm"),
        ["ClipConstraint"] = c => new ClipConstraint(c.GetDouble("min_value", 0), c.GetDouble("max_value", 1)),
    });

    /// <summary>Projects <paramref name="weight"/> in place.</summary>
    /// <param name="weight">The weight to project; its values are overwritten.</param>
    public abstract void Apply(Tensor weight);

    /// <summary>The saved form.</summary>
    public abstract JsonObject GetConfig();

    /// <summary>Rebuilds a constraint from <see cref="GetConfig"/>'s output.</summary>
    /// <param name="config">A Keras name string or a <c>{"class_name", "config"}</c> object as saved in a model file.</param>
    public static Constraint FromConfig(JsonNode? config) => Registry.FromConfig(config);

    /// <summary>Lets a Keras name be written where a constraint is expected.</summary>
    /// <param name="name">"non_neg", "max_norm" (max 2), "unit_norm" or "min_max_norm" (0 to 1), with Keras's default axis 0.</param>
    public static implicit operator Constraint(string name) => Registry.Get(name);
}

/// <summary>Clamps negative values to zero (Keras's NonNeg).</summary>
public sealed class NonNeg : Constraint
{
    /// <inheritdoc/>
    public override void Apply(Tensor weight)
    {
        var data = weight.Data;
        for (int i = 0; i < data.Length; i++) if (data[i] < 0) data[i] = 0;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => NamedRegistry<Constraint>.ToConfig("NonNeg", new());
}

/// <summary>
/// Keras's MinMaxNorm (MaxNorm and UnitNorm are special cases): w * (rate * clip(n, min, max) + (1 - rate) * n) / (1e-7 + n),
/// where n is the L2 norm over <c>axis</c>.
/// </summary>
/// <param name="minValue">Smallest allowed L2 norm (Keras <c>min_value</c>).</param>
/// <param name="maxValue">Largest allowed L2 norm (Keras <c>max_value</c>).</param>
/// <param name="rate">How far each step moves the norm toward the allowed range, in [0, 1]; 1 projects fully.</param>
/// <param name="axis">Axis the norm is taken over (Keras <c>axis</c>, default 0).</param>
/// <param name="className">Keras class name saved in the config: "MaxNorm", "UnitNorm" or "MinMaxNorm".</param>
public sealed class NormBound(double minValue, double maxValue, double rate, int axis, string className) : Constraint
{
    /// <inheritdoc/>
    public override void Apply(Tensor weight)
    {
        int a = Shapes.NormalizeAxis(axis, weight.Rank, className);
        var (outer, size, inner) = Shapes.Split(weight.Dims, a);
        var data = weight.Data;
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                double norm = 0;
                for (int s = 0; s < size; s++) { double v = data[(o * size + s) * inner + i]; norm += v * v; }
                norm = Math.Sqrt(norm);
                double desired = rate * Math.Clamp(norm, minValue, maxValue) + (1 - rate) * norm;
                float factor = (float)(desired / (1e-7 + norm));
                for (int s = 0; s < size; s++) data[(o * size + s) * inner + i] *= factor;
            }
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => NamedRegistry<Constraint>.ToConfig("MinMaxNorm", new()
    {
        ["min_value"] = minValue, ["max_value"] = maxValue, ["rate"] = rate, ["axis"] = axis,
    });
}

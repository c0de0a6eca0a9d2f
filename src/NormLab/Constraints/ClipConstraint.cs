using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Constraints;

/// <summary>
/// Clamps every value into [<see cref="MinValue"/>, <see cref="MaxValue"/>] after each optimizer step
/// (projected gradient descent). BatchInstanceNormalization keeps its gate in [0, 1] with it, as the
/// reference's <c>p.data.clamp_(0, 1)</c> after every <c>optimizer.step()</c>.
/// </summary>
public sealed class ClipConstraint : Constraint
{
    /// <summary>Creates the constraint; <paramref name="minValue"/> must not exceed <paramref name="maxValue"/>.</summary>
    /// <param name="minValue">Lower bound every weight is clamped to.</param>
    /// <param name="maxValue">Upper bound every weight is clamped to; at least <paramref name="minValue"/>.</param>
    /// <exception cref="ArgumentException">When either bound is NaN or <paramref name="minValue"/> exceeds <paramref name="maxValue"/>.</exception>
    public ClipConstraint(double minValue, double maxValue)
    {
        if (double.IsNaN(minValue) || double.IsNaN(maxValue) || minValue > maxValue)
            throw new ArgumentException($"ClipConstraint: minValue must be <= maxValue. Received: minValue={minValue}, maxValue={maxValue}.");
        MinValue = minValue;
        MaxValue = maxValue;
    }

    /// <summary>The lower bound.</summary>
    public double MinValue { get; }
    /// <summary>The upper bound.</summary>
    public double MaxValue { get; }

    /// <inheritdoc/>
    public override void Apply(Tensor weight)
    {
        float lo = (float)MinValue, hi = (float)MaxValue;
        var data = weight.Data;
        // NaN is left alone (Math.Clamp would keep it too); it is not the constraint's to hide.
        for (int i = 0; i < data.Length; i++) data[i] = Math.Clamp(data[i], lo, hi);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => NamedRegistry<Constraint>.ToConfig("ClipConstraint", new()
    {
        ["min_value"] = MinValue, ["max_value"] = MaxValue,
    });
}

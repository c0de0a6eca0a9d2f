using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Optimizers.Schedules;

/// <summary>
/// Keras's PiecewiseConstantDecay: <c>values[0]</c> while step &lt;= boundaries[0], <c>values[i]</c> while
/// boundaries[i-1] &lt; step &lt;= boundaries[i], and the last value after the last boundary.
/// </summary>
public sealed class PiecewiseConstantDecay : LearningRateSchedule
{
    private readonly double[] boundaries;
    private readonly double[] values;

    /// <summary>Creates the schedule.</summary>
    /// <param name="boundaries">Strictly increasing step boundaries.</param>
    /// <param name="values">The rates, one more than the boundaries, each >= 0.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="boundaries"/> or <paramref name="values"/> is null.</exception>
    /// <exception cref="ArgumentException">When <paramref name="values"/> does not have one more entry than <paramref name="boundaries"/>, the boundaries are not strictly increasing, or a value is negative or infinite.</exception>
    public PiecewiseConstantDecay(double[] boundaries, double[] values)
    {
        ArgumentNullException.ThrowIfNull(boundaries);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != boundaries.Length + 1)
            throw new ArgumentException($"PiecewiseConstantDecay: values must have one more entry than boundaries, received {values.Length} values for {boundaries.Length} boundaries.");
        for (int i = 1; i < boundaries.Length; i++)
            if (!(boundaries[i] > boundaries[i - 1]))
                throw new ArgumentException($"PiecewiseConstantDecay: boundaries must be strictly increasing, received [{string.Join(", ", boundaries)}].");
        foreach (var value in values) AtLeast(nameof(PiecewiseConstantDecay), nameof(values), value, 0);
        (this.boundaries, this.values) = ((double[])boundaries.Clone(), (double[])values.Clone());
    }

    /// <inheritdoc/>
    public override double Call(long step)
    {
        int i = 0;
        while (i < boundaries.Length && step > boundaries[i]) i++;
        return values[i];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => NamedRegistry<LearningRateSchedule>.ToConfig(nameof(PiecewiseConstantDecay), new()
    {
        ["boundaries"] = new JsonArray(boundaries.Select(b => (JsonNode)b).ToArray()),
        ["values"] = new JsonArray(values.Select(v => (JsonNode)v).ToArray()),
    });

    internal static PiecewiseConstantDecay FromConfig(JsonObject c) => new(Doubles(c, "boundaries"), Doubles(c, "values"));

    private static double[] Doubles(JsonObject c, string key) =>
        c[key] is JsonArray a ? a.Select(n => n!.GetValue<double>()).ToArray() : throw new FormatException($"PiecewiseConstantDecay: the saved config has no '{key}' list.");
}

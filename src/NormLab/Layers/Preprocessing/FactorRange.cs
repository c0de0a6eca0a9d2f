using System.Text.Json.Nodes;

namespace NormLab.Layers;

/// <summary>
/// A random augmentation's factor as Keras takes it: one number, or a (lower, upper) pair. What a single
/// number means is the layer's (usually the range [-f, f]).
/// </summary>
/// <example><code>new RandomRotation(0.1)   new RandomRotation((-0.05, 0.2))</code></example>
public readonly struct FactorRange
{
    private FactorRange(double lower, double upper, bool isPair) => (Lower, Upper, IsPair) = (lower, upper, isPair);

    /// <summary>The lower bound (for a single number: the number).</summary>
    public double Lower { get; }

    /// <summary>The upper bound (for a single number: the number).</summary>
    public double Upper { get; }

    /// <summary>Whether the factor was given as a pair.</summary>
    public bool IsPair { get; }

    /// <summary>A single number.</summary>
    /// <param name="value">The factor f; its meaning (usually the range [-f, f]) is the layer's, as in Keras.</param>
    public static implicit operator FactorRange(double value) => new(value, value, false);

    /// <summary>A (lower, upper) pair.</summary>
    /// <param name="range">Lower and upper bound of the factor, used as given (Keras's tuple form).</param>
    public static implicit operator FactorRange((double Lower, double Upper) range) => new(range.Lower, range.Upper, true);

    /// <summary>
    /// The range: a single number f read as [-f, f], a pair sorted (as Keras); throws unless both bounds
    /// lie in [min, max].
    /// </summary>
    internal (double Lower, double Upper) Symmetric(string layer, string argument, double min = -1, double max = 1)
    {
        var (lower, upper) = IsPair ? (Math.Min(Lower, Upper), Math.Max(Lower, Upper)) : (-Math.Abs(Lower), Math.Abs(Lower));
        if (!(lower >= min && upper <= max))
            throw new ArgumentException($"{layer}: {argument} must be a number or a (lower, upper) pair within [{min}, {max}], received {this}.");
        return (lower, upper);
    }

    /// <inheritdoc/>
    public override string ToString() => IsPair ? $"({Lower}, {Upper})" : Lower.ToString();

    internal JsonNode ToJson() => IsPair ? new JsonArray(Lower, Upper) : JsonValue.Create(Lower);

    internal static FactorRange FromJson(JsonNode? node, double fallback) => node switch
    {
        null => fallback,
        JsonArray pair => (pair[0]!.GetValue<double>(), pair[1]!.GetValue<double>()),
        _ => node.GetValue<double>(),
    };
}

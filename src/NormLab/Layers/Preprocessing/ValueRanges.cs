using System.Text.Json.Nodes;

namespace NormLab.Layers;

/// <summary>The (low, high) pixel range of the colour augmentations: checked, saved and read.</summary>
internal static class ValueRanges
{
    internal static (double Low, double High) Check((double Low, double High) range, string layer) =>
        double.IsFinite(range.Low) && double.IsFinite(range.High) && range.Low < range.High
            ? range
            : throw new ArgumentException($"{layer}: valueRange must be finite with low < high, received ({range.Low}, {range.High}).");

    internal static JsonArray ToJson((double Low, double High) range) => new(range.Low, range.High);

    internal static (double, double) FromJson(JsonNode? node) =>
        node is JsonArray pair ? (pair[0]!.GetValue<double>(), pair[1]!.GetValue<double>()) : (0, 255);
}

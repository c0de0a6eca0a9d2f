using System.Text.Json.Nodes;

namespace NormLab.Layers;

/// <summary>
/// An <c>axis</c> argument that is an int or a list of ints, as Keras accepts: write
/// <c>axis: -1</c> or <c>axis: new[] { 1, 2 }</c>. <see cref="None"/> is Keras's <c>axis=None</c>
/// (used by <see cref="Normalization"/>); <c>default</c> means the layer's default (-1).
/// </summary>
public readonly struct Axes
{
    private readonly int[]? values;

    private Axes(int[]? values, bool isList, bool isNone)
    {
        this.values = values;
        IsList = isList;
        IsNone = isNone;
    }

    /// <summary>Keras's <c>axis=None</c>.</summary>
    public static Axes None => new([], true, true);

    /// <summary>Whether the argument was a list (or None) rather than a single int.</summary>
    public bool IsList { get; }

    /// <summary>Whether the argument was <see cref="None"/>.</summary>
    public bool IsNone { get; }

    /// <summary>The axes as given (not yet canonicalized); [-1] by default.</summary>
    public int[] Values => values != null ? (int[])values.Clone() : [-1];

    /// <summary>A single axis.</summary>
    /// <param name="axis">The axis; negative counts from the end.</param>
    public static implicit operator Axes(int axis) => new([axis], false, false);

    /// <summary>A list of axes; null is <see cref="None"/>.</summary>
    /// <param name="axes">The axes; negative ones count from the end.</param>
    public static implicit operator Axes(int[]? axes) => axes == null ? None : new((int[])axes.Clone(), true, false);

    /// <inheritdoc/>
    public override string ToString() => IsNone ? "None" : IsList ? "[" + string.Join(", ", Values) + "]" : Values[0].ToString();

    /// <summary><paramref name="axes"/>, unless it is <see cref="None"/>, which the per-sample layers refuse
    /// (as Keras, naming <paramref name="layer"/>).</summary>
    internal static Axes RequireNotNone(Axes axes, string layer) => axes.IsNone
        ? throw new ArgumentException($"{layer}: Expected an int or a list/tuple of ints for the argument 'axis', but received: None")
        : axes;

    internal JsonNode? ToJson() => IsNone ? null : IsList ? new JsonArray(Values.Select(v => (JsonNode)v).ToArray()) : JsonValue.Create(Values[0]);

    internal static Axes FromJson(JsonNode? node, bool nullIsNone)
    {
        if (node == null) return nullIsNone ? None : default;
        if (node is JsonArray array) return array.Select(v => v!.GetValue<int>()).ToArray();
        return node.GetValue<int>();
    }
}

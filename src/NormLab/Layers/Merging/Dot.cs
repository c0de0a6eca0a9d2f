using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// The dot product of two inputs along one axis of each, per sample (keras.layers.Dot, Keras's batch_dot):
/// (batch, n) · (batch, n) with axes 1 → (batch, 1); (batch, n, d) · (batch, m, d) with axes 2 → (batch, n, m).
/// The output holds the first input's remaining axes, then the second's. With <c>normalize</c> both inputs are
/// L2-normalized along their axes first, so the result is the cosine similarity.
/// </summary>
/// <example><code>var similarity = new Dot(axes: 1, normalize: true).Call([a, b]);</code></example>
public sealed class Dot : MergeLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="axes">The axis of both inputs summed over (batch axis 0 excluded; negative counts from the end).</param>
    /// <param name="normalize">L2-normalize the inputs along <paramref name="axes"/> first (default false).</param>
    /// <param name="name">The layer's name.</param>
    public Dot(int axes, bool normalize = false, string? name = null) : this((axes, axes), normalize, name) { }

    /// <summary>Creates the layer with a different axis for each input.</summary>
    /// <param name="axes">(axis of the first input, axis of the second).</param>
    /// <param name="normalize">L2-normalize the inputs along their axes first (default false).</param>
    /// <param name="name">The layer's name.</param>
    public Dot((int First, int Second) axes, bool normalize = false, string? name = null) : base(name)
    {
        Axes = axes;
        Normalize = normalize;
    }

    /// <summary>The axis of each input summed over.</summary>
    public (int First, int Second) Axes { get; }
    /// <summary>Whether the inputs are L2-normalized along their axes first.</summary>
    public bool Normalize { get; }

    /// <inheritdoc/>
    protected override Tensor Merge(IReadOnlyList<Tensor> inputs)
    {
        RequireTwoInputs(inputs);
        Tensor a = inputs[0], b = inputs[1];
        int axisA = Axis(Axes.First, a), axisB = Axis(Axes.Second, b);
        if (a.Dims[0] != b.Dims[0] || a.Dims[axisA] != b.Dims[axisB])
            throw new ArgumentException($"{Describe()}: expected equal batch sizes and equal sizes along axes ({axisA}, {axisB}), received {Shapes.Format(a.Dims)} and {Shapes.Format(b.Dims)}.");
        if (Normalize) (a, b) = (L2Normalize(a, axisA), L2Normalize(b, axisB));
        int batch = a.Dims[0], depth = a.Dims[axisA];
        int[] restA = Rest(a.Dims, axisA), restB = Rest(b.Dims, axisB);
        // (batch, p, depth, 1) · (batch, 1, depth, q), summed over depth: a batched matrix product.
        var left = Ops.Reshape(MoveAxis(a, axisA, a.Rank - 1), batch, Shapes.SizeOf(restA), depth, 1);
        var right = Ops.Reshape(MoveAxis(b, axisB, 1), batch, 1, depth, Shapes.SizeOf(restB));
        var product = Ops.Sum(Ops.Mul(left, right), [2]);
        int[] shape = [batch, .. restA, .. restB];
        return Ops.Reshape(product, shape.Length == 1 ? [batch, 1] : shape);
    }

    private int Axis(int axis, Tensor t)
    {
        if (t.Rank < 2)
            throw new ArgumentException($"{Describe()}: expected inputs of rank >= 2 (batch first), received shape {Shapes.Format(t.Dims)}.");
        int normalized = axis < 0 ? axis + t.Rank : axis;
        if (normalized < 1 || normalized >= t.Rank)
            throw new ArgumentException($"{Describe()}: axes {axis} is outside the non-batch axes of an input of shape {Shapes.Format(t.Dims)}.");
        return normalized;
    }

    private static int[] Rest(ReadOnlySpan<int> dims, int axis) => dims[1..].ToArray().Where((_, i) => i + 1 != axis).ToArray();

    private static Tensor MoveAxis(Tensor t, int from, int to)
    {
        var order = Enumerable.Range(0, t.Rank).Where(i => i != from).ToList();
        order.Insert(to, from);
        return order.Select((axis, i) => axis == i).All(same => same) ? t : Ops.Transpose(t, [.. order]);
    }

    /// <summary>x / sqrt(max(Σ x², 1e-12)) along <paramref name="axis"/>, as Keras's l2_normalize.</summary>
    private static Tensor L2Normalize(Tensor x, int axis) =>
        Ops.Div(x, Ops.Sqrt(Ops.Clip(Ops.Sum(Ops.Square(x), [axis], keepDims: true), 1e-12, double.MaxValue)));

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axes"] = Axes.First == Axes.Second ? Axes.First : new[] { Axes.First, Axes.Second }.ToJson();
        config["normalize"] = Normalize;
        return config;
    }

    internal static Dot FromConfig(JsonObject c)
    {
        var axes = c["axes"] is JsonArray pair ? (pair[0]!.GetValue<int>(), pair[1]!.GetValue<int>()) : (c.GetInt("axes", 1), c.GetInt("axes", 1));
        return new(axes, c.GetBool("normalize", false), c.GetString("name"));
    }
}

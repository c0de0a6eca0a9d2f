using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Keras's UnitNormalization: <c>y = x / max(||x||₂ over axis, 1e-12)</c>, computed as
/// <c>x * rsqrt(max(sum(x²), 1e-24))</c>. No weights; built at construction.
/// </summary>
/// <remarks>A zero vector maps to zero; NaN or infinity in a vector makes that vector NaN.</remarks>
/// <example><code>var embedding = new UnitNormalization().Call(features); // each row has length 1</code></example>
public sealed class UnitNormalization : Layer
{
    /// <inheritdoc/>
    public override bool SupportsMasking => true;

    private readonly Axes axisArg;

    /// <summary>Creates the layer; <paramref name="axis"/> is an int or a list (default -1).</summary>
    /// <param name="axis">The axes the norm is taken over (default -1, the last).</param>
    /// <param name="inputShape">Optional input shape without the batch dimension, for the first layer of a model.</param>
    /// <param name="name">Optional layer name; a unique one from the class name when null.</param>
    /// <exception cref="ArgumentException">When <paramref name="axis"/> is none.</exception>
    public UnitNormalization(Axes axis = default, int[]? inputShape = null, string? name = null)
        : base(name, inputShape)
    {
        if (axis.IsNone)
            throw new ArgumentException($"{Describe()}: Invalid value for `axis` argument: expected an int or a list/tuple of ints. Received: axis=None");
        axisArg = axis;
    }

    /// <summary>The normalized axes, as given.</summary>
    public int[] Axis => axisArg.Values;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var axes = Canonical(x.Dims);
        var y = Normalize(x, axes, out var sumSq);
        // Inputs beyond ~1.8e19 overflow the sum of squares: those rows again, scaled down exactly.
        var scale = OverflowRescale.Scale(sumSq);
        return scale == null ? y : Normalize(Ops.Mul(x, scale), axes, out _);
    }

    private static Tensor Normalize(Tensor x, int[] axes, out Tensor sumSq)
    {
        sumSq = Ops.Sum(Ops.Square(x), axes, keepDims: true);
        var inv = Ops.Div(Tensor.Scalar(1f), Ops.Sqrt(Ops.Clip(sumSq, 1e-24, float.MaxValue)));
        return Ops.Mul(x, inv);
    }

    private int[] Canonical(ReadOnlySpan<int> dims)
    {
        var result = new List<int>();
        foreach (int a in axisArg.Values)
        {
            int c = a < 0 ? a + dims.Length : a;
            if (c < 0 || c >= dims.Length)
                throw new ArgumentException($"{Describe()}: Axis {axisArg} is out of bounds for input shape {Shapes.Format(dims)}.");
            result.Add(c);
        }
        return result.Distinct().Order().ToArray();
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        Canonical(inputShape);
        return (int[])inputShape.Clone();
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = axisArg.ToJson();
        return config;
    }

    internal static UnitNormalization FromConfig(JsonObject c) => new(Axes.FromJson(c["axis"], nullIsNone: false), name: c.GetString("name"));
}

using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Keras's Softmax layer: <c>exp(x) / sum(exp(x))</c> over <c>axis</c> (an int or a list, default -1),
/// computed stably. <see cref="Call(Tensor, Tensor, bool)"/> takes a mask: positions where it is
/// 0 (not &gt; 0.5) get the logit -1e9, as Keras, so they receive no probability.
/// </summary>
public sealed class Softmax : Layer
{
    /// <inheritdoc/>
    public override bool SupportsMasking => true;

    /// <summary>Keras's stand-in for -infinity at masked positions (float32).</summary>
    private const float MaskedLogit = -1e9f;
    private readonly Axes axisArg;

    /// <summary>Creates the layer.</summary>
    /// <param name="axis">The axis or axes normalized over (default -1).</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">Layer name (Keras <c>name</c>); default null gives a unique one from the class name in snake_case, numbered from the second layer of that class on (e.g. "re_lu", "re_lu_1").</param>
    /// <exception cref="ArgumentException">When <paramref name="axis"/> is none or an empty list.</exception>
    public Softmax(Axes axis = default, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        if (axis.IsNone || axis.Values.Length == 0) throw new ArgumentException($"{Describe()}: axis must be an int or a non-empty list of ints, received {axis}.");
        axisArg = axis;
    }

    /// <summary>The axes, as given.</summary>
    public int[] Axis => axisArg.Values;

    /// <summary>The softmax of <paramref name="x"/> with the positions where <paramref name="mask"/> is 0
    /// left out; the mask has x's shape or one that broadcasts to it.</summary>
    /// <param name="x">The logits.</param>
    /// <param name="mask">1 (or &gt; 0.5) to keep, 0 to mask.</param>
    /// <param name="training">Unused (the layer behaves the same in training).</param>
    /// <exception cref="ArgumentNullException">When <paramref name="x"/> or <paramref name="mask"/> is null.</exception>
    /// <exception cref="ArgumentException">When <paramref name="mask"/> does not broadcast to the shape of <paramref name="x"/>.</exception>
    public Tensor Call(Tensor x, Tensor mask, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(mask);
        bool broadcasts = mask.Rank <= x.Rank;
        for (int i = 1; broadcasts && i <= mask.Rank; i++) broadcasts = mask.Dims[^i] == x.Dims[^i] || mask.Dims[^i] == 1;
        if (!broadcasts)
            throw new ArgumentException($"{Describe()}: the mask of shape {Shapes.Format(mask.Dims)} does not match the input of shape {Shapes.Format(x.Dims)}.");
        var keep = Ops.Map(mask, m => m > 0.5f ? 1f : 0f);
        var fill = Ops.Map(keep, k => k == 1 ? 0f : MaskedLogit);
        return Call(Ops.Add(Ops.Mul(x, keep), fill), training);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Ops.Softmax(x, Canonical(x.Dims));

    private int[] Canonical(ReadOnlySpan<int> dims)
    {
        var axes = new SortedSet<int>();
        foreach (int a in axisArg.Values)
        {
            int c = a < 0 ? a + dims.Length : a;
            if (c < 0 || c >= dims.Length)
                throw new ArgumentException($"{Describe()}: axis {axisArg} is out of bounds for input shape {Shapes.Format(dims)}.");
            axes.Add(c);
        }
        return axes.ToArray();
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        Canonical(inputShape);
        return inputShape;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = axisArg.ToJson();
        return config;
    }

    internal static Softmax FromConfig(JsonObject c) => new(Axes.FromJson(c["axis"], nullIsNone: false), name: c.GetString("name"));
}

namespace NormLab.Layers;

/// <summary>A layer that combines several inputs (functional API): <c>new Add().Call([a, b])</c>.</summary>
/// <param name="name">The layer's name; unique per class when omitted.</param>
public abstract class MergeLayer(string? name) : MultiInputLayer(name)
{
    /// <inheritdoc/>
    protected override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training)
    {
        if (inputs.Count < 2)
            throw new ArgumentException($"{Describe()}: expects at least 2 inputs, received {inputs.Count}.");
        return Merge(inputs);
    }

    /// <summary>The combination itself; the inputs are checked for compatible shapes.</summary>
    /// <param name="inputs">The layer's inputs, in call order.</param>
    protected abstract Tensor Merge(IReadOnlyList<Tensor> inputs);

    /// <summary>Throws unless every input has the first one's shape.</summary>
    /// <param name="inputs">The layer's inputs.</param>
    protected void RequireEqualShapes(IReadOnlyList<Tensor> inputs)
    {
        foreach (var t in inputs)
            if (!Shapes.Equal(t.Dims, inputs[0].Dims))
                throw new ArgumentException($"{Describe()}: inputs must have equal shapes, received {string.Join(", ", inputs.Select(i => Shapes.Format(i.Dims)))}.");
    }

    /// <summary>Throws unless there are exactly two inputs (Subtract, Dot).</summary>
    /// <param name="inputs">The layer's inputs.</param>
    protected void RequireTwoInputs(IReadOnlyList<Tensor> inputs)
    {
        if (inputs.Count != 2)
            throw new ArgumentException($"{Describe()}: expects exactly 2 inputs, received {inputs.Count}.");
    }

    /// <summary>Combines equally shaped inputs pairwise from the left with <paramref name="combine"/>.</summary>
    /// <param name="combine">The binary op, such as <see cref="Ops.Add"/>.</param>
    /// <param name="inputs">The layer's inputs.</param>
    protected Tensor Fold(IReadOnlyList<Tensor> inputs, Func<Tensor, Tensor, Tensor> combine)
    {
        RequireEqualShapes(inputs);
        var result = inputs[0];
        for (int i = 1; i < inputs.Count; i++) result = combine(result, inputs[i]);
        return result;
    }
}

/// <summary>The elementwise sum of equally shaped inputs.</summary>
/// <param name="name">Optional layer name; a unique one from the class name when null.</param>
public sealed class Add(string? name = null) : MergeLayer(name)
{
    /// <inheritdoc/>
    protected override Tensor Merge(IReadOnlyList<Tensor> inputs) => Fold(inputs, Ops.Add);

    internal static Add FromConfig(System.Text.Json.Nodes.JsonObject c) => new(Saving.ConfigReader.GetString(c, "name"));
}

/// <summary>Joins inputs along <c>axis</c> (default -1, the channels).</summary>
/// <param name="axis">The axis to join along (default -1).</param>
/// <param name="name">Optional layer name; a unique one from the class name when null.</param>
public sealed class Concatenate(int axis = -1, string? name = null) : MergeLayer(name)
{
    /// <summary>The axis joined along.</summary>
    public int Axis { get; } = axis;

    /// <inheritdoc/>
    protected override Tensor Merge(IReadOnlyList<Tensor> inputs) => Ops.Concat(inputs, Axis, Describe());

    /// <inheritdoc/>
    public override System.Text.Json.Nodes.JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = Axis;
        return config;
    }

    internal static Concatenate FromConfig(System.Text.Json.Nodes.JsonObject c) =>
        new(Saving.ConfigReader.GetInt(c, "axis", -1), Saving.ConfigReader.GetString(c, "name"));
}

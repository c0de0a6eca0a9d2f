using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>The elementwise product of equally shaped inputs (keras.layers.Multiply).</summary>
/// <param name="name">The layer's name.</param>
public sealed class Multiply(string? name = null) : MergeLayer(name)
{
    /// <inheritdoc/>
    protected override Tensor Merge(IReadOnlyList<Tensor> inputs) => Fold(inputs, Ops.Mul);

    internal static Multiply FromConfig(JsonObject c) => new(c.GetString("name"));
}

/// <summary>The elementwise mean of equally shaped inputs (keras.layers.Average).</summary>
/// <param name="name">The layer's name.</param>
public sealed class Average(string? name = null) : MergeLayer(name)
{
    /// <inheritdoc/>
    protected override Tensor Merge(IReadOnlyList<Tensor> inputs) => Ops.Affine(Fold(inputs, Ops.Add), 1.0 / inputs.Count);

    internal static Average FromConfig(JsonObject c) => new(c.GetString("name"));
}

/// <summary>The first input minus the second (keras.layers.Subtract); exactly two equally shaped inputs.</summary>
/// <param name="name">The layer's name.</param>
public sealed class Subtract(string? name = null) : MergeLayer(name)
{
    /// <inheritdoc/>
    protected override Tensor Merge(IReadOnlyList<Tensor> inputs)
    {
        RequireTwoInputs(inputs);
        return Fold(inputs, Ops.Sub);
    }

    internal static Subtract FromConfig(JsonObject c) => new(c.GetString("name"));
}

/// <summary>The elementwise maximum of equally shaped inputs (keras.layers.Maximum); a tie's gradient goes to the earlier input.</summary>
/// <param name="name">The layer's name.</param>
public sealed class Maximum(string? name = null) : MergeLayer(name)
{
    /// <inheritdoc/>
    protected override Tensor Merge(IReadOnlyList<Tensor> inputs) => Fold(inputs, Ops.Maximum);

    internal static Maximum FromConfig(JsonObject c) => new(c.GetString("name"));
}

/// <summary>The elementwise minimum of equally shaped inputs (keras.layers.Minimum); a tie's gradient goes to the earlier input.</summary>
/// <param name="name">The layer's name.</param>
public sealed class Minimum(string? name = null) : MergeLayer(name)
{
    /// <inheritdoc/>
    protected override Tensor Merge(IReadOnlyList<Tensor> inputs) => Fold(inputs, Ops.Minimum);

    internal static Minimum FromConfig(JsonObject c) => new(c.GetString("name"));
}

using NormLab.Layers;

namespace NormLab;

/// <summary>
/// A placeholder flowing through layers to describe a functional model: it carries the shape of one
/// sample and the layer call that produced it.
/// </summary>
public class SymbolicTensor
{
    internal SymbolicTensor(int[] shape, Layer? layer, SymbolicTensor[] inputs)
    {
        Shape = (int[])shape.Clone();
        Layer = layer;
        Inputs = inputs;
    }

    /// <summary>The shape of one sample (no batch dimension).</summary>
    public int[] Shape { get; }

    /// <summary>The layer that produced it (null for an <see cref="Input"/>).</summary>
    public Layer? Layer { get; }

    /// <summary>The tensors the layer was called on.</summary>
    public IReadOnlyList<SymbolicTensor> Inputs { get; }
}

/// <summary>The entry point of a functional model, like <c>keras.Input(shape)</c>.</summary>
/// <example><code>
/// var inputs = new Input([784]);
/// var hidden = new Dense(64, activation: "relu").Call(inputs);
/// var model = new Model(inputs, new Dense(10, activation: "softmax").Call(hidden));
/// </code></example>
public sealed class Input(int[] shape, string? name = null) : SymbolicTensor(Validated(shape), null, [])
{
    /// <summary>The input's name.</summary>
    public string Name { get; } = name ?? "input";

    private static int[] Validated(int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Any(d => d < 1)) throw new ArgumentException($"Input: shape dimensions must be >= 1, received {Shapes.Format(shape)}.");
        return shape;
    }
}

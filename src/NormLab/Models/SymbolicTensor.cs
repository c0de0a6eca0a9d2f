using NormLab.Layers;

namespace NormLab;

/// <summary>
/// A placeholder flowing through layers to describe a functional model: it carries the shape of one
/// sample (-1 for a free dimension, Keras's None) and the layer call that produced it.
/// </summary>
public class SymbolicTensor
{
    internal SymbolicTensor(int[] shape, LayerNode? node, int index)
    {
        Shape = (int[])shape.Clone();
        Node = node;
        Index = index;
    }

    /// <summary>The shape of one sample (no batch dimension); -1 marks a dimension of any size.</summary>
    public int[] Shape { get; }

    /// <summary>The layer that produced it (null for an <see cref="Input"/>).</summary>
    public Layer? Layer => Node?.Layer;

    /// <summary>The tensors the layer was called on.</summary>
    public IReadOnlyList<SymbolicTensor> Inputs => Node?.Inputs ?? [];

    /// <summary>The layer call that produced it (null for an <see cref="Input"/>).</summary>
    internal LayerNode? Node { get; }

    /// <summary>Which of the call's outputs it is.</summary>
    internal int Index { get; }
}

/// <summary>
/// One call of a layer on symbolic tensors: a layer called several times (shared) has one node per call,
/// each with its own inputs and outputs and the same weights.
/// </summary>
internal sealed class LayerNode
{
    internal LayerNode(Layer layer, SymbolicTensor[] inputs, bool? training, IReadOnlyList<int[]> outputShapes)
    {
        Layer = layer;
        Inputs = inputs;
        Training = training;
        Outputs = outputShapes.Select((shape, i) => new SymbolicTensor(shape, this, i)).ToArray();
    }

    internal Layer Layer { get; }

    internal SymbolicTensor[] Inputs { get; }

    /// <summary>The call's fixed training mode (Keras's <c>base_model(x, training=False)</c>); null follows the model's.</summary>
    internal bool? Training { get; }

    internal SymbolicTensor[] Outputs { get; }
}

/// <summary>The entry point of a functional model, like <c>keras.Input(shape)</c>.</summary>
/// <example><code>
/// var inputs = new Input([784]);
/// var hidden = new Dense(64, activation: "relu").Call(inputs);
/// var model = new Model(inputs, new Dense(10, activation: "softmax").Call(hidden));
/// var sequence = new Input([-1, 64]);   // -1: any length, as Keras's None
/// </code></example>
/// <param name="shape">The shape of one sample (no batch dimension); -1 for a dimension of any size.</param>
/// <param name="name">The input's name; "input_layer", "input_layer_1", ... when omitted, as Keras 3.</param>
public sealed class Input(int[] shape, string? name = null) : SymbolicTensor(Validated(shape), null, 0)
{
    /// <summary>The input's name.</summary>
    public string Name { get; } = name ?? NormLab.Layers.Layer.UniqueName("input_layer");

    private static int[] Validated(int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Any(d => d < 1 && d != -1))
            throw new ArgumentException($"Input: shape dimensions must be >= 1 or -1 (any size), received {Shapes.Format(shape)}.");
        return shape;
    }
}

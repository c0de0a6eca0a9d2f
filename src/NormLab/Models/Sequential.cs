using System.Text.Json.Nodes;
using NormLab.Layers;

namespace NormLab;

/// <summary>
/// A plain stack of layers, each feeding the next, like keras.Sequential.
/// It builds as soon as its input shape is known (from the first layer's inputShape, or the first batch).
/// </summary>
/// <example><code>
/// var model = new Sequential([
///     new Dense(64, activation: "relu", inputShape: [784]),
///     new Dense(10, activation: "softmax"),
/// ]);
/// </code></example>
public sealed class Sequential : Model
{
    private Input? tracedInput;
    private SymbolicTensor? tracedOutput;

    /// <summary>A stack of the given layers (or an empty one to fill with <see cref="Add"/>).</summary>
    /// <param name="layers">The layers in order (default none).</param>
    /// <param name="name">The model's name; "sequential", "sequential_1", ... when null.</param>
    public Sequential(IEnumerable<Layer>? layers = null, string? name = null) : base(name ?? UniqueSequentialName())
    {
        foreach (var layer in layers ?? []) Add(layer);
    }

    /// <summary>Appends a layer, like Keras's model.add.</summary>
    /// <param name="layer">The layer to append; its output feeds nothing until the next Add.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="layer"/> is null.</exception>
    /// <exception cref="ArgumentException">When <paramref name="layer"/> or a layer of the same name is already in the model, or it takes several inputs.</exception>
    public void Add(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (Layers.Contains(layer)) throw new ArgumentException($"Sequential '{Name}': layer '{layer.Name}' is already in the model.");
        if (Layers.Any(l => l.Name == layer.Name))
            throw new ArgumentException($"Sequential '{Name}': a layer named '{layer.Name}' is already in the model; layer names must be unique.");
        if (layer is MultiInputLayer)
            throw new ArgumentException($"Sequential '{Name}': {layer.GetType().Name} takes several inputs; use the functional Model instead.");
        if (Built)
        {
            layer.Build(OutputShape());
            tracedOutput = layer.Call(tracedOutput!);
        }
        TrackLayer(layer);
        // The first layer's declared shape, or the shape it was built for (a nested model), builds the stack.
        if (Layers.Count == 1 && (layer.InputShape ?? layer.BuiltInputShape?[1..]) is int[] sample) Build([1, .. sample]);
    }

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        if (Layers.Count == 0) throw new InvalidOperationException($"Sequential '{Name}': the model has no layers.");
        var shape = inputShape;
        foreach (var layer in Layers)
        {
            layer.Build(shape);
            shape = layer.ComputeOutputShape(shape);
        }
        // As Keras 3, the built stack is also a graph: model.Inputs and each layer's Output exist (feature extraction).
        tracedInput = new Input(inputShape[1..]);
        tracedOutput = Layers.Aggregate((SymbolicTensor)tracedInput, (x, layer) => layer.Call(x));
    }

    private protected override IReadOnlyList<Input>? TracedInputs => tracedInput is null ? null : [tracedInput];

    private protected override IReadOnlyList<SymbolicTensor>? TracedOutputs => tracedOutput is null ? null : [tracedOutput];

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var input = x;
        foreach (var layer in Layers)
        {
            var next = layer.Call(x, training);
            if (!ReferenceEquals(x, input)) Intermediates.Release(x, [next]);
            x = next;
        }
        return x;
    }

    /// <summary>The output shape of the layers so far, for the built input shape.</summary>
    private int[] OutputShape()
    {
        var shape = BuiltInputShape!;
        foreach (var layer in Layers) shape = layer.ComputeOutputShape(shape);
        return shape;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = new JsonObject { ["name"] = Name, ["trainable"] = Trainable };
        config["layers"] = new JsonArray(Layers.Select(l => (JsonNode)LayerRegistry.ToConfig(l)).ToArray());
        return config;
    }

    /// <summary>Rebuilds a Sequential from <see cref="GetConfig"/>, with fresh weights.</summary>
    /// <param name="config">The config.</param>
    /// <param name="customObjects">User classes by saved class name, for classes not marked [RegisterSerializable].</param>
    /// <exception cref="ArgumentNullException">When <paramref name="config"/> is null.</exception>
    public static new Sequential FromConfig(JsonObject config, IReadOnlyDictionary<string, Type>? customObjects = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        using var _ = Saving.CustomObjects.Scope(customObjects);
        return new(config["layers"]!.AsArray().Select(n => LayerRegistry.FromConfig(n!.AsObject())), config["name"]?.GetValue<string>());
    }

    private static int counter;
    private static string UniqueSequentialName()
    {
        int n = Interlocked.Increment(ref counter) - 1;
        return n == 0 ? "sequential" : $"sequential_{n}";
    }
}

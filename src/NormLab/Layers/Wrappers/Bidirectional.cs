using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Runs a recurrent layer forwards and a copy of it backwards over the same sequence and merges the two
/// outputs, as keras.layers.Bidirectional: the copy has the opposite goBackwards, and with returnSequences its
/// output is reversed back so that step t of both halves describes input step t. Weights: the forward
/// layer's, then the backward layer's. A mask (attached to the input) goes to both directions.
/// </summary>
public sealed class Bidirectional : Layer
{
    private static readonly string[] MergeModes = ["concat", "sum", "ave", "mul"];

    /// <summary>Wraps <paramref name="layer"/>; the backward direction is a fresh copy of its configuration.</summary>
    /// <param name="layer">The recurrent layer (LSTM, GRU or SimpleRNN), unbuilt.</param>
    /// <param name="mergeMode">How the two outputs combine: "concat" (Keras's default), "sum", "ave" or "mul".
    /// Keras's None (a list of both) is not supported.</param>
    /// <param name="inputShape">The shape of one sample (time, features), for the first layer of a model.</param>
    /// <param name="name">The layer's name.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="layer"/> is null.</exception>
    /// <exception cref="ArgumentException">When <paramref name="mergeMode"/> is not "concat", "sum", "ave" or "mul", or <paramref name="layer"/> is already built.</exception>
    public Bidirectional(RecurrentLayer layer, string mergeMode = "concat", int[]? inputShape = null, string? name = null)
        : base(name, inputShape)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (!MergeModes.Contains(mergeMode))
            throw new ArgumentException($"{Describe()}: mergeMode must be one of {string.Join(", ", MergeModes)}, received '{mergeMode}'.");
        if (layer.Built)
            throw new ArgumentException($"{Describe()}: the wrapped layer '{layer.Name}' is already built; wrap a fresh layer.");
        MergeMode = mergeMode;
        ForwardLayer = AddSublayer(Copy(layer, "forward_" + layer.Name, layer.GoBackwards));
        BackwardLayer = AddSublayer(Copy(layer, "backward_" + layer.Name, !layer.GoBackwards));
    }

    /// <summary>How the outputs combine.</summary>
    public string MergeMode { get; }
    /// <summary>The layer run in the wrapped layer's direction.</summary>
    public RecurrentLayer ForwardLayer { get; }
    /// <summary>The copy run in the opposite direction.</summary>
    public RecurrentLayer BackwardLayer { get; }

    private static RecurrentLayer Copy(RecurrentLayer layer, string name, bool goBackwards)
    {
        var node = LayerRegistry.ToConfig(layer);
        var config = (JsonObject)node["config"]!;
        config["name"] = name;
        config["go_backwards"] = goBackwards;
        return (RecurrentLayer)LayerRegistry.FromConfig(node);
    }

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        RequireRank(inputShape, 3, 3);
        ForwardLayer.Build(inputShape);
        BackwardLayer.Build(inputShape);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Run(x, training, x.Mask, withStates: false)[0];

    /// <summary>
    /// Keras's call with <c>return_state=True</c> on the wrapped layer: the merged output, then the forward
    /// layer's final states, then the backward layer's (h for GRU and SimpleRNN; h and c for LSTM).
    /// </summary>
    /// <param name="x">The input (batch, time, features).</param>
    /// <param name="training">Whether dropout is active.</param>
    /// <param name="mask">An optional (batch, time) mask; the input's own <see cref="Tensor.Mask"/> otherwise.</param>
    /// <exception cref="InvalidOperationException">When the wrapped layer was created without returnState.</exception>
    public Tensor[] CallWithState(Tensor x, bool training = false, Tensor? mask = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (!ForwardLayer.ReturnState)
            throw new InvalidOperationException($"{Describe()}: CallWithState needs a wrapped layer with returnState: true.");
        if (!Built) Build(x.Shape);
        return Run(x, training, mask ?? x.Mask, withStates: true);
    }

    private Tensor[] Run(Tensor x, bool training, Tensor? mask, bool withStates)
    {
        RequireRank(x, 3, 3);
        RequireLastDim(x, BuiltInputShape![2]);
        Tensor[] forward = Direction(ForwardLayer, x, training, mask, withStates);
        Tensor[] backward = Direction(BackwardLayer, x, training, mask, withStates);
        var (f, b) = (forward[0], ForwardLayer.ReturnSequences ? Ops.Reverse(backward[0], 1) : backward[0]);
        var merged = MergeMode switch
        {
            "concat" => Ops.Concat([f, b], -1),
            "sum" => Ops.Add(f, b),
            "ave" => Ops.Affine(Ops.Add(f, b), 0.5),
            _ => Ops.Mul(f, b),
        };
        if (ForwardLayer.ReturnSequences) merged.Mask = mask;
        return [merged, .. forward[1..], .. backward[1..]];
    }

    private static Tensor[] Direction(RecurrentLayer layer, Tensor x, bool training, Tensor? mask, bool withStates) =>
        withStates ? layer.CallWithState(x, training, mask) : [mask == null ? layer.Call(x, training) : layer.Call(x, mask, training)];

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 3, 3);
        var shape = ForwardLayer.ComputeOutputShape(inputShape);
        if (MergeMode == "concat") shape[^1] *= 2;
        return shape;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        var layer = LayerRegistry.ToConfig(ForwardLayer);
        // The wrapped layer as given (Keras saves it under its own name and direction).
        ((JsonObject)layer["config"]!)["name"] = ForwardLayer.Name["forward_".Length..];
        config["layer"] = layer;
        config["merge_mode"] = MergeMode;
        return config;
    }

    internal static Bidirectional FromConfig(JsonObject c, Func<JsonObject, Layer> layerFromConfig)
    {
        var layer = layerFromConfig((JsonObject)c["layer"]!) as RecurrentLayer
            ?? throw new FormatException($"Bidirectional '{c.GetString("name")}': the saved layer is not a recurrent layer.");
        return new(layer, c.GetString("merge_mode", "concat")!, name: c.GetString("name"));
    }
}

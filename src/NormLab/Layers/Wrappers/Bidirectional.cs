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
    protected override Tensor Forward(Tensor x, bool training)
    {
        RequireRank(x, 3, 3);
        RequireLastDim(x, BuiltInputShape![2]);
        var forward = ForwardLayer.Call(x, training);
        var backward = BackwardLayer.Call(x, training);
        if (ForwardLayer.ReturnSequences) backward = Ops.Reverse(backward, 1);
        var merged = MergeMode switch
        {
            "concat" => Ops.Concat([forward, backward], -1),
            "sum" => Ops.Add(forward, backward),
            "ave" => Ops.Affine(Ops.Add(forward, backward), 0.5),
            _ => Ops.Mul(forward, backward),
        };
        if (ForwardLayer.ReturnSequences) merged.Mask = x.Mask;
        return merged;
    }

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

using System.Text.Json.Nodes;
using NormLab.Layers;
using NormLab.Saving;

namespace NormLab;

public partial class Model
{
    /// <summary>
    /// The model's structure (Keras's <c>get_config</c>). A functional model lists each layer once (so a shared
    /// layer stays shared), its inputs, its calls in execution order as
    /// <c>{"layer", "args": [[name, node index, output index], ...], "training"}</c>, and its outputs.
    /// A subclassed model returns its constructor arguments (override and add yours).
    /// </summary>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        if (!IsFunctional) return config;
        var nodeIndex = NodeIndices();
        JsonArray Reference(SymbolicTensor t) => t.Node is LayerNode node
            ? new JsonArray(node.Layer.Name, nodeIndex[node], t.Index)
            : new JsonArray(((Input)t).Name, 0, 0);
        config["layers"] = new JsonArray(Layers.Select(l => (JsonNode)LayerRegistry.ToConfig(l)).ToArray());
        config["inputs"] = new JsonArray(Inputs.Select(i => (JsonNode)new JsonObject { ["name"] = i.Name, ["shape"] = i.Shape.ToJson() }).ToArray());
        config["nodes"] = new JsonArray(GraphNodes.Select(n => (JsonNode)new JsonObject
        {
            ["layer"] = n.Layer.Name,
            ["args"] = new JsonArray(n.Inputs.Select(i => (JsonNode)Reference(i)).ToArray()),
            ["training"] = n.Training,
        }).ToArray());
        config["outputs"] = new JsonArray(Outputs.Select(o => (JsonNode)Reference(o)).ToArray());
        return config;
    }

    /// <summary>Rebuilds a functional model from <see cref="GetConfig"/> (Keras's <c>Model.from_config</c>), with fresh weights.</summary>
    /// <param name="config">The config.</param>
    /// <param name="customObjects">User classes by saved class name, for classes not marked [RegisterSerializable].</param>
    /// <exception cref="ArgumentNullException">When <paramref name="config"/> is null.</exception>
    /// <exception cref="FormatException">When the config lacks its "layers", "inputs", "nodes" or "outputs" list, two saved layers share a name, or a call refers to a layer or tensor that does not exist.</exception>
    public static Model FromConfig(JsonObject config, IReadOnlyDictionary<string, Type>? customObjects = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        using var _ = CustomObjects.Scope(customObjects);
        string name = config.GetString("name") ?? "functional";
        var layers = new Dictionary<string, Layer>();
        foreach (var node in Required(config, "layers", name))
        {
            var layer = LayerRegistry.FromConfig(node!.AsObject());
            if (!layers.TryAdd(layer.Name, layer)) throw new FormatException($"Model '{name}': two saved layers are named '{layer.Name}'.");
        }
        var inputs = Required(config, "inputs", name).Select(i => new Input(i!.AsObject().GetInts("shape")!, i["name"]!.GetValue<string>())).ToList();
        var tensors = inputs.ToDictionary(i => (i.Name, 0, 0), i => (SymbolicTensor)i);
        var calls = new Dictionary<string, int>();
        SymbolicTensor Resolve(JsonNode? reference)
        {
            var parts = reference!.AsArray();
            var key = (parts[0]!.GetValue<string>(), parts[1]!.GetValue<int>(), parts[2]!.GetValue<int>());
            return tensors.TryGetValue(key, out var tensor) ? tensor
                : throw new FormatException($"Model '{name}': refers to tensor {reference.ToJsonString()}, which no earlier call produced.");
        }
        foreach (var node in Required(config, "nodes", name))
        {
            string layerName = node!["layer"]!.GetValue<string>();
            var layer = layers.TryGetValue(layerName, out var found) ? found : throw new FormatException($"Model '{name}': a call refers to layer '{layerName}', which is not among its layers.");
            var outputs = layer.CallSymbolic(node["args"]!.AsArray().Select(Resolve).ToList(), node["training"]?.GetValue<bool>());
            calls.TryGetValue(layerName, out int index);
            calls[layerName] = index + 1;
            for (int i = 0; i < outputs.Length; i++) tensors[(layerName, index, i)] = outputs[i];
        }
        return new Model(inputs, Required(config, "outputs", name).Select(Resolve).ToList(), name);
    }

    /// <summary>
    /// A new model with the same architecture and fresh weights (Keras's <c>keras.models.clone_model</c>): layers are
    /// rebuilt from their configs, so shared layers stay shared and the clone's weights are independent.
    /// </summary>
    /// <param name="model">The model to clone.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="model"/> is null.</exception>
    public static Model CloneModel(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        // The model's own user classes rebuild themselves: cloning needs no registration.
        var userTypes = new Dictionary<string, Type>();
        foreach (var layer in model.SelfAndSublayers())
            if (layer.GetType().Assembly != typeof(Layer).Assembly) userTypes.TryAdd(layer.GetType().Name, layer.GetType());
        using var _ = CustomObjects.Scope(userTypes);
        var clone = (Model)LayerRegistry.FromConfig(LayerRegistry.ToConfig(model));
        if (model.Built) clone.Build(model.BuiltInputShape!);
        return clone;
    }

    /// <summary>For each call of the graph, its index among the calls of the same layer in this model.</summary>
    private Dictionary<LayerNode, int> NodeIndices()
    {
        var indices = new Dictionary<LayerNode, int>(ReferenceEqualityComparer.Instance);
        foreach (var group in GraphNodes.GroupBy(n => n.Layer))
            foreach (var (node, i) in group.Select((n, i) => (n, i))) indices[node] = i;
        return indices;
    }

    private static JsonArray Required(JsonObject config, string key, string model) =>
        config[key] as JsonArray ?? throw new FormatException($"Model '{model}': the saved config has no '{key}' list.");
}

using System.Text.Json.Nodes;
using NormLab.Layers;

namespace NormLab;

/// <summary>
/// A trainable network. Build one with <see cref="Sequential"/> or functionally from an
/// <see cref="Input"/>: <c>new Model(inputs, outputs)</c>. Compile, Fit, Evaluate, Predict, Summary,
/// Save and <see cref="Load"/> work the Keras way.
/// </summary>
public partial class Model : Layer
{
    private readonly List<Layer> layers = new();
    private readonly Input? graphInput;
    private readonly SymbolicTensor? graphOutput;
    private readonly List<SymbolicTensor> graphOrder = new();

    /// <summary>A functional model from one input to one output.</summary>
    public Model(Input inputs, SymbolicTensor outputs, string? name = null) : base(name ?? "functional")
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        graphInput = inputs;
        graphOutput = outputs;
        CollectGraph(outputs, new HashSet<SymbolicTensor>(ReferenceEqualityComparer.Instance));
        if (!graphOrder.Contains(inputs))
            throw new ArgumentException("Model: the outputs are not computed from the given inputs.");
        foreach (var node in graphOrder)
            if (node.Layer != null && !layers.Contains(node.Layer)) TrackLayer(node.Layer);
        Build([1, .. inputs.Shape]);
    }

    /// <summary>For subclasses that manage their own layers (Sequential).</summary>
    protected Model(string? name) : base(name) { }

    /// <summary>The layers, in order.</summary>
    public IReadOnlyList<Layer> Layers => layers;

    /// <summary>Set by callbacks to end <c>Fit</c> after the current epoch step.</summary>
    public bool StopTraining { get; set; }

    /// <summary>Registers a layer so its weights belong to the model.</summary>
    protected void TrackLayer(Layer layer)
    {
        layers.Add(AddSublayer(layer));
    }

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape) { }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var values = new Dictionary<SymbolicTensor, Tensor>(ReferenceEqualityComparer.Instance) { [graphInput!] = x };
        foreach (var node in graphOrder)
        {
            if (node.Layer == null) continue;
            var inputs = node.Inputs.Select(i => values[i]).ToList();
            values[node] = node.Layer switch
            {
                MergeLayer merge => merge.Call(inputs, training),
                IMultiInputLayer multi => multi.CallInputs(inputs, training),
                _ => node.Layer.Call(inputs[0], training),
            };
        }
        return values[graphOutput!];
    }

    private void CollectGraph(SymbolicTensor node, HashSet<SymbolicTensor> seen)
    {
        if (!seen.Add(node)) return;
        foreach (var input in node.Inputs) CollectGraph(input, seen);
        graphOrder.Add(node);
    }

    /// <summary>The model's structure for saving: layers with the names of the tensors they consume.</summary>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        var names = new Dictionary<SymbolicTensor, string>(ReferenceEqualityComparer.Instance);
        var nodes = new JsonArray();
        foreach (var node in graphOrder)
        {
            names[node] = node.Layer?.Name ?? graphInput!.Name;
            nodes.Add(node.Layer == null
                ? new JsonObject { ["input"] = graphInput!.Name, ["shape"] = Saving.ConfigReader.ToJson(node.Shape) }
                : new JsonObject
                {
                    ["layer"] = LayerRegistry.ToConfig(node.Layer),
                    ["inbound"] = new JsonArray(node.Inputs.Select(i => (JsonNode)names[i]).ToArray()),
                });
        }
        config["nodes"] = nodes;
        config["output"] = names[graphOutput!];
        return config;
    }

    internal static Model FunctionalFromConfig(JsonObject config)
    {
        var tensors = new Dictionary<string, SymbolicTensor>();
        Input? input = null;
        foreach (var node in config["nodes"]!.AsArray().Cast<JsonObject>())
        {
            if (node["input"] is JsonNode inputName)
            {
                input = new Input(Saving.ConfigReader.GetInts(node, "shape")!, inputName.GetValue<string>());
                tensors[input.Name] = input;
                continue;
            }
            var layer = LayerRegistry.FromConfig(node["layer"]!.AsObject());
            var inbound = node["inbound"]!.AsArray().Select(n => tensors[n!.GetValue<string>()]).ToList();
            tensors[layer.Name] = layer switch
            {
                MergeLayer merge => merge.Call(inbound),
                IMultiInputLayer multi => multi.CallInputs(inbound),
                _ => layer.Call(inbound[0]),
            };
        }
        if (input == null) throw new FormatException("A saved functional model has no input node.");
        return new Model(input, tensors[config["output"]!.GetValue<string>()], config["name"]?.GetValue<string>());
    }
}

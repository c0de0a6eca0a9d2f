using NormLab.Layers;
using NormLab.Onnx.Proto;

namespace NormLab.Onnx.Import;

/// <summary>
/// Turns an ONNX graph into a functional NormLab model, node by node. Each tensor of the graph is
/// either a constant (initializers, Constant nodes) or an <see cref="ImportedValue"/>; 4-D values
/// coming from the input or from convolutions, pools and norms are held channels-last and put back in
/// ONNX's layout only where an operator depends on the axis order (Flatten, Reshape, MatMul, ...).
/// </summary>
internal sealed class OnnxImporter
{
    private readonly Dictionary<string, ImportedValue> values = new();
    private readonly Dictionary<string, Tensor> constants = new();
    private readonly HashSet<string> initializers = new();

    private OnnxImporter() { }

    internal static Model Import(ModelProto model)
    {
        var graph = model.Graph ?? throw new FormatException("ImportOnnx: the file has no graph.");
        var importer = new OnnxImporter();
        foreach (var tensor in graph.Initializer)
        {
            importer.constants[tensor.Name] = OnnxTensors.ToTensor(tensor);
            importer.initializers.Add(tensor.Name);
        }
        var inputs = graph.Input.Where(i => !importer.constants.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1 || graph.Output.Count != 1)
            throw new NotSupportedException($"ImportOnnx: graph '{graph.Name}' has {inputs.Count} inputs and {graph.Output.Count} outputs; a functional NormLab model takes one of each.");
        var input = importer.AddInput(inputs[0], FeedsOnlyToChannelsFirst(graph, inputs[0].Name));
        foreach (var node in graph.Node) OnnxOperators.Convert(importer, node);
        var output = importer.Value(graph.Output[0].Name, "the graph output");
        output = importer.ToOnnxLayout(output);
        if (ReferenceEquals(output.Symbol, input))
            throw new NotSupportedException($"ImportOnnx: graph '{graph.Name}' computes nothing (its output is its input).");
        return new Model(input, output.Symbol, string.IsNullOrEmpty(graph.Name) ? null : graph.Name);
    }

    /// <summary>
    /// Whether every consumer of the input transposes it from (N, H, W, C) to (N, C, H, W): the input is
    /// channels-last already (files that NormLab or Keras exported), and stays as it is.
    /// </summary>
    private static bool FeedsOnlyToChannelsFirst(GraphProto graph, string input)
    {
        var consumers = graph.Node.Where(n => n.Input.Contains(input)).ToList();
        return consumers.Count > 0 && consumers.All(n => n.OpType == "Transpose" && (n.Ints("perm") ?? []).SequenceEqual([0, 3, 1, 2]));
    }

    /// <summary>The model input: ONNX's (batch, C, H, W) becomes NormLab's (H, W, C) per sample, unless already channels-last.</summary>
    private Input AddInput(ValueInfoProto info, bool alreadyChannelsLast)
    {
        var dims = info.Type?.TensorType?.Shape?.Dim
            ?? throw new NotSupportedException($"ImportOnnx: input '{info.Name}' has no tensor shape.");
        if (dims.Count < 2 || dims.Skip(1).Any(d => d.DimValue < 1))
            throw new NotSupportedException($"ImportOnnx: input '{info.Name}' needs a batch axis and fixed sizes for the others; received [{string.Join(", ", dims.Select(d => d.DimValue > 0 ? d.DimValue.ToString() : d.DimParam))}].");
        var elementType = (TensorProto.Types.DataType)info.Type.TensorType.ElemType;
        if (elementType != TensorProto.Types.DataType.Float)
            throw new NotSupportedException($"ImportOnnx: input '{info.Name}' holds {elementType} values; NormLab models take float tensors.");
        int[] shape = dims.Skip(1).Select(d => (int)d.DimValue).ToArray();
        StaticBatch = dims[0].DimValue > 0 ? (int)dims[0].DimValue : null;
        bool channelsLast = shape.Length == 3 && !alreadyChannelsLast;
        var input = new Input(channelsLast ? [.. shape[1..], shape[0]] : shape, Sanitized(info.Name));
        values[info.Name] = new ImportedValue(input, channelsLast);
        return input;
    }

    /// <summary>The batch size the graph's input declares, when fixed (exporters then write it into Reshape targets).</summary>
    internal int? StaticBatch { get; private set; }

    private static string Sanitized(string name) => string.IsNullOrEmpty(name) ? "input" : name;

    /// <summary>Whether <paramref name="name"/> is a constant (an initializer or a Constant node's output).</summary>
    internal bool IsConstant(string name) => constants.ContainsKey(name);

    /// <summary>Whether the constant is a graph initializer (a weight, trained after import).</summary>
    internal bool IsInitializer(string name) => initializers.Contains(name);

    /// <summary>A constant operand of <paramref name="node"/>.</summary>
    internal Tensor Constant(NodeProto node, int index)
    {
        if (index >= node.Input.Count || !constants.TryGetValue(node.Input[index], out var value))
            throw new NotSupportedException($"ImportOnnx: node '{node.Name}' ({node.OpType}) needs input {index} to be a constant (an initializer or a static value).");
        return value;
    }

    /// <summary>An optional constant operand (absent or empty name: null).</summary>
    internal Tensor? OptionalConstant(NodeProto node, int index) =>
        index < node.Input.Count && node.Input[index].Length > 0 ? Constant(node, index) : null;

    /// <summary>Records a constant output (Constant nodes, folded shape arithmetic).</summary>
    internal void SetConstant(string name, Tensor value) => constants[name] = value;

    /// <summary>The computed tensor called <paramref name="name"/>.</summary>
    internal ImportedValue Value(string name, string user) => values.TryGetValue(name, out var value) ? value
        : throw new NotSupportedException(constants.ContainsKey(name)
            ? $"ImportOnnx: {user} uses the constant '{name}' where a computed tensor is expected."
            : $"ImportOnnx: {user} uses '{name}', which no supported node computes.");

    /// <summary>The computed input <paramref name="index"/> of <paramref name="node"/>.</summary>
    internal ImportedValue Value(NodeProto node, int index) => Value(node.Input[index], $"node '{node.Name}' ({node.OpType})");

    /// <summary>Records the output of a node.</summary>
    internal void Set(string name, ImportedValue value) => values[name] = value;

    /// <summary>Calls <paramref name="layer"/> on the value; the result keeps the layout unless told.</summary>
    internal ImportedValue Apply(Layer layer, ImportedValue x, bool? channelsLast = null) =>
        x with { Symbol = layer.Call(x.Symbol), ChannelsLast = channelsLast ?? x.ChannelsLast };

    /// <summary>The value in ONNX's axis order (channels back at axis 1).</summary>
    internal ImportedValue ToOnnxLayout(ImportedValue x)
    {
        RequireBatchFirst(x);
        if (!x.ChannelsLast) return x;
        int r = x.Rank;
        return Apply(new OnnxTranspose([0, r - 1, .. Enumerable.Range(1, r - 2)]), x, channelsLast: false);
    }

    /// <summary>The value with its channels (ONNX axis 1) last, as NormLab's convolutions and norms take it.</summary>
    internal ImportedValue ToChannelsLast(ImportedValue x)
    {
        RequireBatchFirst(x);
        if (x.ChannelsLast) return x;
        int r = x.Rank;
        return Apply(new OnnxTranspose([0, .. Enumerable.Range(2, r - 2), 1]), x, channelsLast: true);
    }

    /// <summary>
    /// The error for a time-major value reaching an operator that needs ONNX's axis order: a NormLab
    /// model cannot hold a batch axis elsewhere than first.
    /// </summary>
    private static void RequireBatchFirst(ImportedValue x)
    {
        if (x.BatchAxis != 0)
            throw new NotSupportedException($"ImportOnnx: a value of shape {Shapes.Format(x.Symbol.Shape)} (batch omitted) whose batch is ONNX axis {x.BatchAxis} " +
                "reaches an operator that needs ONNX's axis order; only elementwise operators, Transpose, Squeeze, Gather, LSTM and GRU take a time-major value.");
    }

    /// <summary>A constant in the layout of <paramref name="x"/>, for broadcasting against it.</summary>
    internal static Tensor InLayoutOf(Tensor constant, ImportedValue x)
    {
        if (constant.Size != 1) RequireBatchFirst(x);
        if (!x.ChannelsLast || constant.Size == 1) return constant;
        var full = constant.Rank < x.Rank ? Ops.Reshape(constant, [.. Enumerable.Repeat(1, x.Rank - constant.Rank), .. constant.Dims]) : constant;
        int r = full.Rank;
        using var _ = Autograd.Tape.NoGrad();
        return Ops.Transpose(full, [0, .. Enumerable.Range(2, r - 2), 1]);
    }
}

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
    /// <summary>
    /// Batch sizes that stand in for the free batch in shape arithmetic (a Shape of a computed tensor):
    /// constants that depend on it are computed for both, so an entry k × batch shows as k × each.
    /// Primes, so that dividing by the batch or rounding does not hide it.
    /// </summary>
    internal const int FirstProbe = 1009, SecondProbe = 1013;

    private readonly Dictionary<string, ImportedValue> values = new();
    private readonly Dictionary<string, Tensor> constants = new();
    private readonly Dictionary<string, Tensor> secondProbe = new();
    private readonly HashSet<string> initializers = new();
    private readonly HashSet<string> integers = new();

    private OnnxImporter() { }

    internal static Model Import(ModelProto model)
    {
        var graph = model.Graph ?? throw new FormatException("ImportOnnx: the file has no graph.");
        var importer = new OnnxImporter();
        foreach (var tensor in graph.Initializer)
        {
            importer.SetConstant(tensor.Name, OnnxTensors.ToTensor(tensor), OnnxTensors.IsInteger(tensor));
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
        values[info.Name] = channelsLast ? ImportedValue.ChannelsLast(input) : ImportedValue.InOnnxOrder(input);
        return input;
    }

    /// <summary>The batch size the graph's input declares, when fixed (exporters then write it into Reshape targets).</summary>
    internal int? StaticBatch { get; private set; }

    private static string Sanitized(string name) => string.IsNullOrEmpty(name) ? "input" : name;

    /// <summary>Whether <paramref name="name"/> is a constant (an initializer or a Constant node's output).</summary>
    internal bool IsConstant(string name) => constants.ContainsKey(name);

    /// <summary>Whether the constant is a graph initializer (a weight, trained after import).</summary>
    internal bool IsInitializer(string name) => initializers.Contains(name);

    /// <summary>Whether the constant holds integers (shapes, indices): Div truncates them.</summary>
    internal bool IsInteger(string name) => integers.Contains(name);

    /// <summary>A constant operand of <paramref name="node"/>, which must not depend on the batch size.</summary>
    internal Tensor Constant(NodeProto node, int index)
    {
        var (first, second) = Probed(node, index);
        if (!ReferenceEquals(first, second))
            throw OnnxOperators.Unsupported(node, $"input {index} ('{node.Input[index]}') depends on the batch size, which the imported model leaves free; only Reshape takes such a shape");
        return first;
    }

    /// <summary>
    /// A constant operand computed with the batch as <see cref="FirstProbe"/> and as <see cref="SecondProbe"/>
    /// (the same tensor twice when it does not depend on the batch).
    /// </summary>
    internal (Tensor First, Tensor Second) Probed(NodeProto node, int index)
    {
        if (index >= node.Input.Count || !constants.TryGetValue(node.Input[index], out var value))
            throw new NotSupportedException($"ImportOnnx: node '{node.Name}' ({node.OpType}) needs input {index} to be a constant (an initializer or a static value).");
        return (value, secondProbe.GetValueOrDefault(node.Input[index], value));
    }

    /// <summary>An optional constant operand (absent or empty name: null).</summary>
    internal Tensor? OptionalConstant(NodeProto node, int index) =>
        index < node.Input.Count && node.Input[index].Length > 0 ? Constant(node, index) : null;

    /// <summary>Records a constant output (Constant nodes, folded shape arithmetic), and its value for the second probe batch when that differs.</summary>
    internal void SetConstant(string name, Tensor value, bool integer = false, Tensor? second = null)
    {
        constants[name] = value;
        if (second != null && !second.ToArray().SequenceEqual(value.ToArray())) secondProbe[name] = second;
        if (integer) integers.Add(name);
    }

    /// <summary>Gives constant <paramref name="source"/> a second name (Identity), a weight staying a weight.</summary>
    internal void Alias(string name, string source)
    {
        SetConstant(name, constants[source], IsInteger(source), secondProbe.GetValueOrDefault(source));
        if (IsInitializer(source)) initializers.Add(name);
    }

    /// <summary>The computed tensor called <paramref name="name"/>.</summary>
    internal ImportedValue Value(string name, string user) => values.TryGetValue(name, out var value) ? value
        : throw new NotSupportedException(constants.ContainsKey(name)
            ? $"ImportOnnx: {user} uses the constant '{name}' where a computed tensor is expected."
            : $"ImportOnnx: {user} uses '{name}', which no supported node computes.");

    /// <summary>The computed input <paramref name="index"/> of <paramref name="node"/>.</summary>
    internal ImportedValue Value(NodeProto node, int index) => Value(node.Input[index], $"node '{node.Name}' ({node.OpType})");

    /// <summary>Records the output of a node.</summary>
    internal void Set(string name, ImportedValue value) => values[name] = value;

    /// <summary>Calls <paramref name="layer"/> on the value; the result holds ONNX's axes as the input did, unless told.</summary>
    internal ImportedValue Apply(Layer layer, ImportedValue x, int[][]? axes = null) => new(layer.Call(x.Symbol), axes ?? x.Axes);

    /// <summary>The value with its NormLab axes transposed to <paramref name="order"/> (batch first), ONNX's axes relabeled.</summary>
    internal ImportedValue Permuted(ImportedValue x, int[] order)
    {
        if (order.SequenceEqual(Enumerable.Range(0, order.Length))) return x;
        return Apply(new OnnxTranspose(order), x, x.Axes.Select(g => g.Select(a => Array.IndexOf(order, a)).ToArray()).ToArray());
    }

    /// <summary>The value in ONNX's axis order.</summary>
    internal ImportedValue ToOnnxLayout(ImportedValue x) => x.IsInOnnxOrder ? x : Held(x, Enumerable.Range(0, x.Rank).ToArray());

    /// <summary>The value with its channels (ONNX axis 1) last, as NormLab's convolutions and norms take it.</summary>
    internal ImportedValue ToChannelsLast(ImportedValue x) => Held(x, [0, .. Enumerable.Range(2, x.Rank - 2), 1]);

    /// <summary>
    /// The value with one NormLab axis per ONNX axis, NormLab axis i holding ONNX axis
    /// <paramref name="onnxOrder"/>[i] (the batch's first): a transpose, then a reshape that joins the
    /// NormLab axes an ONNX axis spans.
    /// </summary>
    internal ImportedValue Held(ImportedValue x, int[] onnxOrder)
    {
        if (!x.Axes[onnxOrder[0]].SequenceEqual([0]))
            throw new NotSupportedException($"ImportOnnx: a value of ONNX shape {x.OnnxShapeText} whose batch is ONNX axis {x.BatchAxis}" +
                $"{(x.Axes[x.BatchAxis].Length > 1 ? " (with other axes)" : "")} reaches an operator that needs it alone in ONNX axis {onnxOrder[0]}; " +
                "a NormLab model's batch is an axis of its own, first (elementwise operators, Transpose, Reshape, MatMul, Softmax, Slice, Squeeze, Gather, LSTM and GRU take such a value).");
        var wanted = Singles(onnxOrder, x.Rank);
        if (x.SameLayout(x with { Axes = wanted })) return x;
        int[] order = onnxOrder.SelectMany(j => x.Axes[j]).ToArray();
        int[] sizes = onnxOrder[1..].Select(j => x.Axes[j].Aggregate(1, (p, a) => p * x.Size(a, 1))).ToArray();
        if (!order.SequenceEqual(Enumerable.Range(0, order.Length))) x = Apply(new OnnxTranspose(order), x);
        if (order.Length != onnxOrder.Length) x = Apply(new OnnxReshape(sizes), x);
        return x with { Axes = wanted };
    }

    /// <summary>Where ONNX's axes are held when NormLab axis i holds ONNX axis <paramref name="onnxOrder"/>[i].</summary>
    private static int[][] Singles(int[] onnxOrder, int rank) => ImportedValue.Singles(Enumerable.Range(0, rank).Select(j => Array.IndexOf(onnxOrder, j)));

    /// <summary>
    /// A constant in the layout of <paramref name="x"/>, for broadcasting against it. ONNX axes that span
    /// several NormLab axes must be of size 1 in the constant.
    /// </summary>
    internal static Tensor InLayoutOf(Tensor constant, ImportedValue x, NodeProto node)
    {
        if (constant.Size == 1 || x.IsInOnnxOrder) return constant;
        using var _ = Autograd.Tape.NoGrad();
        int r = x.Rank;
        if (constant.Rank > r) throw OnnxOperators.Unsupported(node, $"a constant of shape {Shapes.Format(constant.Shape)} against a rank-{r} value");
        var full = Ops.Reshape(constant, [.. Enumerable.Repeat(1, r - constant.Rank), .. constant.Dims]);
        int[] single = Enumerable.Range(0, r).Where(j => x.Axes[j].Length == 1).ToArray();
        if (Enumerable.Range(0, r).Any(j => x.Axes[j].Length > 1 && full.Dims[j] != 1))
            throw OnnxOperators.Unsupported(node, $"a constant of shape {Shapes.Format(constant.Shape)} that varies along an ONNX axis holding the batch merged with other axes");
        var kept = Ops.Reshape(full, single.Select(j => full.Dims[j]).ToArray());
        var moved = Ops.Transpose(kept, Enumerable.Range(0, single.Length).OrderBy(i => x.Axes[single[i]][0]).ToArray());
        var shape = Enumerable.Repeat(1, x.Symbol.Shape.Length + 1).ToArray();
        foreach (int j in single) shape[x.Axes[j][0]] = full.Dims[j];
        return Ops.Reshape(moved, shape);
    }
}

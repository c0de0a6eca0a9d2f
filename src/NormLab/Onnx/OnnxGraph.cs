using Google.Protobuf;
using NormLab.Onnx.Proto;

namespace NormLab.Onnx;

/// <summary>
/// Builds one ONNX graph: nodes, initializers (the weights) and constants, with unique names, and the
/// few operators whose form changed between opsets (ReduceMean's axes moved from an attribute to an
/// input at opset 18). Layer exporters call it; it knows nothing about layers.
/// </summary>
internal sealed class OnnxGraph(int opset)
{
    private readonly HashSet<string> names = new(StringComparer.Ordinal);

    /// <summary>The opset the graph is written for.</summary>
    internal int Opset { get; } = opset;

    /// <summary>The graph being filled.</summary>
    internal GraphProto Proto { get; } = new() { Name = "normlab" };

    /// <summary>A name not used yet in the graph, derived from <paramref name="hint"/>.</summary>
    internal string Fresh(string hint)
    {
        var name = hint;
        for (int i = 1; !names.Add(name); i++) name = $"{hint}_{i}";
        return name;
    }

    /// <summary>Adds a float initializer (a weight or a constant) and returns its name.</summary>
    internal string Initializer(string hint, ReadOnlySpan<float> values, params int[] dims)
    {
        var tensor = new TensorProto { Name = Fresh(hint), DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims.Select(d => (long)d));
        var bytes = new byte[values.Length * sizeof(float)];
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).CopyTo(bytes);
        tensor.RawData = ByteString.CopyFrom(bytes);
        Proto.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>A NormLab tensor as an initializer of its own shape.</summary>
    internal string Initializer(string hint, Tensor tensor) => Initializer(hint, tensor.ToArray(), tensor.Shape);

    /// <summary>A scalar float constant.</summary>
    internal string Scalar(string hint, double value) => Initializer(hint, [(float)value]);

    /// <summary>An int64 initializer (shapes, axes, pads).</summary>
    internal string Int64s(string hint, params long[] values)
    {
        var tensor = new TensorProto { Name = Fresh(hint), DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        Proto.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>Adds a node with one output and returns the output's name.</summary>
    internal string Node(string op, string hint, string[] inputs, params AttributeProto[] attributes) =>
        NodeOutputs(op, hint, inputs, 1, attributes)[0];

    /// <summary>Adds a node with several outputs.</summary>
    internal string[] NodeOutputs(string op, string hint, string[] inputs, int outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = Fresh(hint + "/" + op) };
        node.Input.AddRange(inputs);
        var outs = Enumerable.Range(0, outputs).Select(i => Fresh(outputs == 1 ? hint + "/" + op + "_out" : $"{hint}/{op}_out{i}")).ToArray();
        node.Output.AddRange(outs);
        node.Attribute.AddRange(attributes);
        Proto.Node.Add(node);
        return outs;
    }

    /// <summary>ReduceMean over <paramref name="axes"/> (ONNX axes), keeping them.</summary>
    internal string ReduceMean(string hint, string x, params int[] axes) => Opset >= 18
        ? Node("ReduceMean", hint, [x, Int64s(hint + "/axes", axes.Select(a => (long)a).ToArray())], Attr("keepdims", 1))
        : Node("ReduceMean", hint, [x], Attr("axes", axes), Attr("keepdims", 1));

    /// <summary>ReduceSum over <paramref name="axes"/>, keeping them (axes an input since opset 13).</summary>
    internal string ReduceSum(string hint, string x, params int[] axes) =>
        Node("ReduceSum", hint, [x, Int64s(hint + "/axes", axes.Select(a => (long)a).ToArray())], Attr("keepdims", 1));

    /// <summary>The value transposed to the requested layout (no node when it already is).</summary>
    internal OnnxValue Layout(OnnxValue value, bool channelsFirst)
    {
        if (value.ChannelsFirst == channelsFirst || value.Rank < 3) return value with { ChannelsFirst = channelsFirst && value.Rank >= 3 };
        var perm = channelsFirst ? value.ToChannelsFirst : value.ToChannelsLast;
        return value with { Name = Node("Transpose", value.Name, [value.Name], Attr("perm", perm)), ChannelsFirst = channelsFirst };
    }

    /// <summary>An int attribute.</summary>
    internal static AttributeProto Attr(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>A float attribute.</summary>
    internal static AttributeProto Attr(string name, double value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = (float)value };

    /// <summary>A string attribute.</summary>
    internal static AttributeProto Attr(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    /// <summary>An ints attribute.</summary>
    internal static AttributeProto Attr(string name, IEnumerable<int> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values.Select(v => (long)v));
        return attribute;
    }

    /// <summary>A strings attribute.</summary>
    internal static AttributeProto Attr(string name, IEnumerable<string> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Strings };
        attribute.Strings.AddRange(values.Select(ByteString.CopyFromUtf8));
        return attribute;
    }

    /// <summary>A float graph input or output with a free batch dimension.</summary>
    internal static ValueInfoProto FloatValue(string name, int[] shape)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = new TensorShapeProto() };
        foreach (var d in shape)
            tensorType.Shape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "batch" } : new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }
}

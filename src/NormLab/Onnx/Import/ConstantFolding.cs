using NormLab.Onnx.Proto;

namespace NormLab.Onnx.Import;

/// <summary>
/// Operators whose inputs are all constants, computed at import: the shape arithmetic exporters leave
/// in graphs (PyTorch builds Pad's pads with ConstantOfShape, Concat, Reshape, Slice, Transpose and Cast,
/// and attention's Reshape targets with Shape, Gather, Div, Mul, Unsqueeze and Concat). A constant that
/// depends on the batch size is computed for both of the importer's probe batch sizes.
/// </summary>
internal static class ConstantFolding
{
    private static readonly Dictionary<string, Func<NodeProto, Tensor?[], bool, Tensor>> Folders = new()
    {
        ["Cast"] = Cast,
        ["ConstantOfShape"] = (node, x, _) => ConstantOfShape(node, x),
        ["Slice"] = (node, x, _) => Slice(node, x),
        ["Transpose"] = (node, x, _) => Ops.Transpose(x[0]!, node.Ints("perm") ?? Enumerable.Range(0, x[0]!.Rank).Reverse().ToArray()),
        ["Reshape"] = (node, x, _) => Reshape(node, x),
        ["Concat"] = (node, x, _) => Ops.Concat(x.Select(t => t!).ToList(), (int)node.Int("axis", 0)),
        ["Shape"] = (node, x, _) => ShapeOf(node, x[0]!.Shape),
        ["Gather"] = (node, x, _) => Gather(node, x),
        ["Unsqueeze"] = (node, x, _) => Unsqueeze(node, x),
        ["Add"] = Elementwise,
        ["Sub"] = Elementwise,
        ["Mul"] = Elementwise,
        ["Div"] = Elementwise,
    };

    /// <summary>The operators that fold; those without a converter of their own import only on constants.</summary>
    internal static IEnumerable<string> Operators => Folders.Keys;

    /// <summary>Computes the node's output when it folds and all its inputs are constants.</summary>
    internal static bool TryFold(OnnxImporter im, NodeProto node)
    {
        if (!Folders.TryGetValue(node.OpType, out var fold) || !node.Input.All(n => n.Length == 0 || im.IsConstant(n))) return false;
        using var _ = Autograd.Tape.NoGrad();
        var inputs = node.Input.Select((n, i) => n.Length > 0 ? im.Probed(node, i) : ((Tensor, Tensor)?)null).ToArray();
        bool integer = IntegerOutput(im, node);
        var first = fold(node, inputs.Select(t => t?.Item1).ToArray(), integer);
        bool batchDependent = inputs.Any(t => t is var (a, b) && !ReferenceEquals(a, b));
        var second = batchDependent ? fold(node, inputs.Select(t => t?.Item2).ToArray(), integer) : null;
        im.SetConstant(node.Output[0], first, integer, second);
        return true;
    }

    /// <summary>Whether the output holds integers: shapes do, Cast and ConstantOfShape say, the rest follow their first input.</summary>
    private static bool IntegerOutput(OnnxImporter im, NodeProto node) => node.OpType switch
    {
        "Shape" => true,
        "Cast" => OnnxTensors.IsInteger((TensorProto.Types.DataType)node.Int("to", (long)TensorProto.Types.DataType.Float)),
        "ConstantOfShape" => node.TensorValue("value") is TensorProto t && OnnxTensors.IsInteger(t),
        _ => im.IsInteger(node.Input[0]),
    };

    /// <summary>Every constant is held as float; casting to an integer type truncates.</summary>
    private static Tensor Cast(NodeProto node, Tensor?[] x, bool integer) =>
        integer ? Tensor.FromArray(x[0]!.ToArray().Select(MathF.Truncate).ToArray(), x[0]!.Shape) : x[0]!;

    /// <summary>Add, Sub, Mul, Div with broadcasting; integer division truncates, as ONNX's does.</summary>
    private static Tensor Elementwise(NodeProto node, Tensor?[] x, bool integer)
    {
        var y = ElementwiseOperator.Apply(node.OpType, x[0]!, x[1]!);
        return integer && node.OpType == "Div" ? Tensor.FromArray(y.ToArray().Select(MathF.Truncate).ToArray(), y.Shape) : y;
    }

    /// <summary>A shape (of a constant, or of a computed tensor with the batch as a probe size), cut to [start, end) as from opset 15.</summary>
    internal static Tensor ShapeOf(NodeProto node, int[] shape)
    {
        int rank = shape.Length;
        int start = (int)Math.Clamp(Wrapped(node.Int("start", 0), rank), 0, rank), end = (int)Math.Clamp(Wrapped(node.Int("end", rank), rank), 0, rank);
        var dims = shape[start..Math.Max(start, end)].Select(d => (float)d).ToArray();
        return Tensor.FromArray(dims, [dims.Length]);
    }

    private static long Wrapped(long index, int rank) => index < 0 ? index + rank : index;

    /// <summary>Gather along an axis with indices of any shape (negative from the end).</summary>
    private static Tensor Gather(NodeProto node, Tensor?[] x)
    {
        var (data, indices) = (x[0]!, x[1]!);
        int axis = (int)Wrapped(node.Int("axis", 0), data.Rank), size = data.Dims[axis];
        var picked = OnnxTensors.ToLongs(indices).Select(i => Ops.Slice(data, axis, (int)Wrapped(i, size), 1)).ToList();
        return Ops.Reshape(Ops.Concat(picked, axis), [.. data.Dims[..axis], .. indices.Dims, .. data.Dims[(axis + 1)..]]);
    }

    /// <summary>Unsqueeze: axes of size 1 inserted (attribute before opset 13, input from 13 on).</summary>
    private static Tensor Unsqueeze(NodeProto node, Tensor?[] x)
    {
        var data = x[0]!;
        var axes = node.Ints("axes")?.Select(a => (long)a).ToArray() ?? OnnxTensors.ToLongs(x[1]!);
        int rank = data.Rank + axes.Length;
        var inserted = axes.Select(a => (int)Wrapped(a, rank)).ToHashSet();
        var dims = new Queue<int>(data.Dims.ToArray());
        return Ops.Reshape(data, Enumerable.Range(0, rank).Select(a => inserted.Contains(a) ? 1 : dims.Dequeue()).ToArray());
    }

    private static Tensor ConstantOfShape(NodeProto node, Tensor?[] x)
    {
        int[] shape = OnnxTensors.ToLongs(x[0]!).Select(d => checked((int)d)).ToArray();
        float value = node.TensorValue("value") is TensorProto t ? OnnxTensors.ToTensor(t).ToArray()[0] : 0f;
        return Tensor.FromArray(Enumerable.Repeat(value, Shapes.SizeOf(shape)).ToArray(), shape);
    }

    /// <summary>Reshape with ONNX's 0 (copy the input's size) and -1 (the rest).</summary>
    private static Tensor Reshape(NodeProto node, Tensor?[] x)
    {
        var data = x[0]!;
        var target = OnnxTensors.ToLongs(x[1]!).Select((d, i) => d == 0 && node.Int("allowzero", 0) == 0 ? data.Dims[i] : (int)d).ToArray();
        if (target.Contains(-1)) target[Array.IndexOf(target, -1)] = data.Size / Math.Max(1, target.Where(d => d != -1).Aggregate(1, (p, d) => p * d));
        return Ops.Reshape(data, target);
    }

    /// <summary>Slice with ONNX's clamping of starts and ends, negative steps included.</summary>
    private static Tensor Slice(NodeProto node, Tensor?[] x)
    {
        var data = x[0]!;
        foreach (var (axis, start, end, step) in SliceBounds(node, x, data.Dims.ToArray()))
        {
            var picked = new List<Tensor>();
            for (long j = start; step > 0 ? j < end : j > end; j += step) picked.Add(Ops.Slice(data, axis, (int)j, 1));
            if (picked.Count == 0) throw OnnxOperators.Unsupported(node, $"an empty slice of axis {axis} (size {data.Dims[axis]})");
            data = Ops.Concat(picked, axis);
        }
        return data;
    }

    /// <summary>
    /// Slice's ranges per axis of an input of shape <paramref name="shape"/>, with ONNX's clamping of
    /// starts and ends (negative steps included): x[1] starts, x[2] ends, x[3] axes, x[4] steps.
    /// </summary>
    internal static IEnumerable<(int Axis, long Start, long End, long Step)> SliceBounds(NodeProto node, Tensor?[] x, int[] shape)
    {
        var starts = OnnxTensors.ToLongs(x[1]!);
        var ends = OnnxTensors.ToLongs(x[2]!);
        var axes = x.Length > 3 && x[3] != null ? OnnxTensors.ToLongs(x[3]!) : Enumerable.Range(0, starts.Length).Select(a => (long)a).ToArray();
        var steps = x.Length > 4 && x[4] != null ? OnnxTensors.ToLongs(x[4]!) : Enumerable.Repeat(1L, starts.Length).ToArray();
        for (int i = 0; i < starts.Length; i++)
        {
            int axis = (int)Wrapped(axes[i], shape.Length), size = shape[axis];
            long step = steps[i], start = Wrapped(starts[i], size), end = Wrapped(ends[i], size);
            (start, end) = step > 0 ? (Math.Clamp(start, 0, size), Math.Clamp(end, 0, size)) : (Math.Clamp(start, 0, size - 1), Math.Clamp(end, -1, size - 1));
            yield return (axis, start, end, step);
        }
    }
}

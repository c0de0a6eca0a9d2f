using NormLab.Onnx.Proto;

namespace NormLab.Onnx.Import;

/// <summary>
/// Operators whose inputs are all constants, computed at import: the shape arithmetic exporters leave
/// in graphs (PyTorch builds Pad's pads with ConstantOfShape, Concat, Reshape, Slice, Transpose and Cast).
/// </summary>
internal static class ConstantFolding
{
    private static readonly Dictionary<string, Func<NodeProto, Tensor?[], Tensor>> Folders = new()
    {
        ["Cast"] = Cast,
        ["ConstantOfShape"] = ConstantOfShape,
        ["Slice"] = Slice,
        ["Transpose"] = (node, x) => Ops.Transpose(x[0]!, node.Ints("perm") ?? Enumerable.Range(0, x[0]!.Rank).Reverse().ToArray()),
        ["Reshape"] = Reshape,
        ["Concat"] = (node, x) => Ops.Concat(x.Select(t => t!).ToList(), (int)node.Int("axis", 0)),
    };

    /// <summary>The operators that fold, and import only on constants.</summary>
    internal static IEnumerable<string> Operators => Folders.Keys;

    /// <summary>Computes the node's output when it folds and all its inputs are constants.</summary>
    internal static bool TryFold(OnnxImporter im, NodeProto node)
    {
        if (!Folders.TryGetValue(node.OpType, out var fold) || !node.Input.All(n => n.Length == 0 || im.IsConstant(n))) return false;
        using var _ = Autograd.Tape.NoGrad();
        im.SetConstant(node.Output[0], fold(node, node.Input.Select((n, i) => n.Length > 0 ? im.Constant(node, i) : null).ToArray()));
        return true;
    }

    /// <summary>Every constant is held as float; casting to an integer type truncates.</summary>
    private static Tensor Cast(NodeProto node, Tensor?[] x)
    {
        var to = (TensorProto.Types.DataType)node.Int("to", (long)TensorProto.Types.DataType.Float);
        bool integer = to is TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Int32 or TensorProto.Types.DataType.Int16 or TensorProto.Types.DataType.Int8
            or TensorProto.Types.DataType.Uint64 or TensorProto.Types.DataType.Uint32 or TensorProto.Types.DataType.Uint16 or TensorProto.Types.DataType.Uint8;
        return integer ? Tensor.FromArray(x[0]!.ToArray().Select(MathF.Truncate).ToArray(), x[0]!.Shape) : x[0]!;
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
        var starts = OnnxTensors.ToLongs(x[1]!);
        var ends = OnnxTensors.ToLongs(x[2]!);
        var axes = x.Length > 3 && x[3] != null ? OnnxTensors.ToLongs(x[3]!) : Enumerable.Range(0, starts.Length).Select(a => (long)a).ToArray();
        var steps = x.Length > 4 && x[4] != null ? OnnxTensors.ToLongs(x[4]!) : Enumerable.Repeat(1L, starts.Length).ToArray();
        for (int i = 0; i < starts.Length; i++)
        {
            int axis = (int)(axes[i] < 0 ? axes[i] + data.Rank : axes[i]), size = data.Dims[axis];
            long step = steps[i], start = starts[i] < 0 ? starts[i] + size : starts[i], end = ends[i] < 0 ? ends[i] + size : ends[i];
            (start, end) = step > 0 ? (Math.Clamp(start, 0, size), Math.Clamp(end, 0, size)) : (Math.Clamp(start, 0, size - 1), Math.Clamp(end, -1, size - 1));
            var picked = new List<Tensor>();
            for (long j = start; step > 0 ? j < end : j > end; j += step) picked.Add(Ops.Slice(data, axis, (int)j, 1));
            if (picked.Count == 0) throw OnnxOperators.Unsupported(node, $"an empty slice of axis {axis} (size {size})");
            data = Ops.Concat(picked, axis);
        }
        return data;
    }
}

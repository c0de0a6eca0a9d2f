using System.Runtime.InteropServices;
using NormLab.Onnx.Proto;

namespace NormLab.Onnx.Import;

/// <summary>ONNX TensorProtos (initializers, Constant values, test data) as NormLab float tensors.</summary>
internal static class OnnxTensors
{
    /// <summary>The tensor's values as floats (int64 and int32 shapes and axes included), in its own shape.</summary>
    internal static Tensor ToTensor(TensorProto proto)
    {
        int[] shape = proto.Dims.Select(d => checked((int)d)).ToArray();
        var raw = proto.RawData.Span;
        float[] values = (TensorProto.Types.DataType)proto.DataType switch
        {
            TensorProto.Types.DataType.Float => raw.Length > 0 ? MemoryMarshal.Cast<byte, float>(raw).ToArray() : proto.FloatData.ToArray(),
            TensorProto.Types.DataType.Double => (raw.Length > 0 ? MemoryMarshal.Cast<byte, double>(raw).ToArray() : proto.DoubleData.ToArray()).Select(v => (float)v).ToArray(),
            TensorProto.Types.DataType.Int64 => (raw.Length > 0 ? MemoryMarshal.Cast<byte, long>(raw).ToArray() : proto.Int64Data.ToArray()).Select(v => (float)v).ToArray(),
            TensorProto.Types.DataType.Int32 => (raw.Length > 0 ? MemoryMarshal.Cast<byte, int>(raw).ToArray() : proto.Int32Data.ToArray()).Select(v => (float)v).ToArray(),
            var other => throw new NotSupportedException($"ImportOnnx: tensor '{proto.Name}' has data type {other}; only float, double, int64 and int32 tensors are read."),
        };
        if (values.Length != Shapes.SizeOf(shape))
            throw new FormatException($"ImportOnnx: tensor '{proto.Name}' has {values.Length} values for shape {Shapes.Format(shape)}.");
        return Tensor.FromArray(values, shape);
    }

    /// <summary>Whether ONNX type <paramref name="type"/> holds integers (Div then truncates).</summary>
    internal static bool IsInteger(TensorProto.Types.DataType type) => type is TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Int32
        or TensorProto.Types.DataType.Int16 or TensorProto.Types.DataType.Int8 or TensorProto.Types.DataType.Uint64 or TensorProto.Types.DataType.Uint32
        or TensorProto.Types.DataType.Uint16 or TensorProto.Types.DataType.Uint8;

    /// <summary>Whether the tensor holds integers.</summary>
    internal static bool IsInteger(TensorProto proto) => IsInteger((TensorProto.Types.DataType)proto.DataType);

    /// <summary>A constant's values as integers (shapes, axes, pads).</summary>
    /// <remarks>Held as floats, int64's extremes (Slice's "to the end") round past long's range, so they saturate.</remarks>
    internal static long[] ToLongs(Tensor t) => t.ToArray().Select(v => v >= 9.2e18f ? long.MaxValue : v <= -9.2e18f ? long.MinValue : (long)v).ToArray();
}

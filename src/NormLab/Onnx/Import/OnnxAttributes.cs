using NormLab.Onnx.Proto;

namespace NormLab.Onnx.Import;

/// <summary>A node's attributes by name, with ONNX's defaults.</summary>
internal static class OnnxAttributes
{
    internal static long Int(this NodeProto node, string name, long fallback) => Find(node, name)?.I ?? fallback;

    internal static float Float(this NodeProto node, string name, float fallback) => Find(node, name)?.F ?? fallback;

    internal static string String(this NodeProto node, string name, string fallback) => Find(node, name)?.S.ToStringUtf8() ?? fallback;

    internal static int[]? Ints(this NodeProto node, string name) => Find(node, name)?.Ints.Select(v => checked((int)v)).ToArray();

    internal static TensorProto? TensorValue(this NodeProto node, string name) => Find(node, name)?.T;

    private static AttributeProto? Find(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name);
}

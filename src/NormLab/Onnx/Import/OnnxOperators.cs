using NormLab.Onnx.Proto;

namespace NormLab.Onnx.Import;

/// <summary>
/// The ONNX operators that import, in one table: a function that reads the node and records its
/// outputs on the importer. Each family's functions live in their own file.
/// </summary>
internal static class OnnxOperators
{
    private static readonly Dictionary<string, Action<OnnxImporter, NodeProto>> Converters = new()
    {
        ["Constant"] = CoreImport.Constant,
        ["Identity"] = CoreImport.Identity,
        ["Dropout"] = CoreImport.Identity,
        ["Gemm"] = CoreImport.Gemm,
        ["MatMul"] = CoreImport.MatMul,
        ["Add"] = CoreImport.Elementwise,
        ["Sub"] = CoreImport.Elementwise,
        ["Mul"] = CoreImport.Elementwise,
        ["Div"] = CoreImport.Elementwise,
        ["Relu"] = CoreImport.Activation,
        ["LeakyRelu"] = CoreImport.LeakyRelu,
        ["Sigmoid"] = CoreImport.Activation,
        ["Tanh"] = CoreImport.Activation,
        ["Softmax"] = CoreImport.Softmax,
        ["Flatten"] = CoreImport.Flatten,
        ["Reshape"] = ReshapeImport.Reshape,
        ["Slice"] = CoreImport.Slice,
        ["Shape"] = CoreImport.Shape,
        ["Transpose"] = CoreImport.Transpose,
        ["Squeeze"] = CoreImport.Squeeze,
        ["Gather"] = CoreImport.Gather,
        ["LSTM"] = RecurrentImport.Lstm,
        ["GRU"] = RecurrentImport.Gru,
        ["Concat"] = CoreImport.Concat,
        ["Pad"] = CoreImport.Pad,
        ["Conv"] = ConvolutionImport.Conv,
        ["ConvTranspose"] = ConvolutionImport.ConvTranspose,
        ["MaxPool"] = ConvolutionImport.Pool,
        ["AveragePool"] = ConvolutionImport.Pool,
        ["GlobalAveragePool"] = ConvolutionImport.GlobalAveragePool,
        ["BatchNormalization"] = NormalizationImport.BatchNormalization,
        ["LayerNormalization"] = NormalizationImport.LayerNormalization,
        ["InstanceNormalization"] = NormalizationImport.InstanceNormalization,
        ["GroupNormalization"] = NormalizationImport.GroupNormalization,
        ["LRN"] = NormalizationImport.Lrn,
        ["Erf"] = CoreImport.Unary,
        ["Sqrt"] = CoreImport.Unary,
        ["Pow"] = CoreImport.Unary,
        ["Gelu"] = CoreImport.Gelu,
        ["ReduceMean"] = CoreImport.ReduceMean,
    };

    /// <summary>The operators that import.</summary>
    internal static IEnumerable<string> Supported => Converters.Keys.Concat(ConstantFolding.Operators).Distinct().Order();

    /// <summary>Converts one node (the default ONNX domain only).</summary>
    internal static void Convert(OnnxImporter importer, NodeProto node)
    {
        bool defaultDomain = string.IsNullOrEmpty(node.Domain) || node.Domain == "ai.onnx";
        if (defaultDomain && ConstantFolding.TryFold(importer, node)) return;
        if (!defaultDomain || !Converters.TryGetValue(node.OpType, out var convert))
        {
            if (defaultDomain && ConstantFolding.Operators.Contains(node.OpType))
                throw Unsupported(node, "a computed input; this operator imports only on constants (shape arithmetic)");
            throw new NotSupportedException($"ImportOnnx: node '{node.Name}' uses operator {(defaultDomain ? "" : node.Domain + ".")}{node.OpType}, which does not import. " +
                $"Supported operators: {string.Join(", ", Supported)}.");
        }
        convert(importer, node);
    }

    /// <summary>The error for an attribute value NormLab has no layer for.</summary>
    internal static NotSupportedException Unsupported(NodeProto node, string what) =>
        new($"ImportOnnx: node '{node.Name}' ({node.OpType}): {what}.");
}

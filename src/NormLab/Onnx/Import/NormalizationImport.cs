using NormLab.Layers;
using NormLab.Onnx.Proto;

namespace NormLab.Onnx.Import;

/// <summary>ONNX's normalization operators as NormLab's normalization layers over the channels-last axis.</summary>
internal static class NormalizationImport
{
    /// <summary>
    /// BatchNormalization at inference: scale and bias become trainable gamma and beta, the running
    /// statistics the moving ones. ONNX's momentum has Keras's meaning (torch's 0.1 is written as 0.9).
    /// </summary>
    internal static void BatchNormalization(OnnxImporter im, NodeProto node)
    {
        if (node.Int("training_mode", 0) != 0) throw OnnxOperators.Unsupported(node, "training_mode = 1");
        var x = im.Value(node, 0);
        if (x.Rank > 2) x = im.ToChannelsLast(x);
        var norm = new Layers.BatchNormalization(axis: -1, momentum: node.Float("momentum", 0.9f), epsilon: node.Float("epsilon", 1e-5f));
        var y = im.Apply(norm, x);
        norm.SetWeights([im.Constant(node, 1), im.Constant(node, 2), im.Constant(node, 3), im.Constant(node, 4)]);
        im.Set(node.Output[0], y);
    }
}

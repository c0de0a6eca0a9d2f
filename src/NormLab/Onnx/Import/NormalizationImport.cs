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
        x = x.Rank > 2 ? im.ToChannelsLast(x) : im.ToOnnxLayout(x);
        var norm = new Layers.BatchNormalization(axis: -1, momentum: node.Float("momentum", 0.9f), epsilon: node.Float("epsilon", 1e-5f));
        var y = im.Apply(norm, x);
        norm.SetWeights([im.Constant(node, 1), im.Constant(node, 2), im.Constant(node, 3), im.Constant(node, 4)]);
        im.Set(node.Output[0], y);
    }

    /// <summary>
    /// LayerNormalization over ONNX axes [axis, rank): NormLab's LayerNormalization over the same axes,
    /// in ONNX's layout (the normalized block and the scale's layout must agree).
    /// </summary>
    internal static void LayerNormalization(OnnxImporter im, NodeProto node)
    {
        var x = im.ToOnnxLayout(im.Value(node, 0));
        int axis = (int)node.Int("axis", -1);
        if (axis < 0) axis += x.Rank;
        if (axis < 1 || axis >= x.Rank) throw OnnxOperators.Unsupported(node, $"axis {node.Int("axis", -1)} of a rank-{x.Rank} input; only axes after the batch axis normalize per sample");
        int[] normalized = x.Symbol.Shape[(axis - 1)..];
        var scale = im.Constant(node, 1);
        var bias = im.OptionalConstant(node, 2);
        var norm = new Layers.LayerNormalization(Enumerable.Range(axis, x.Rank - axis).ToArray(), epsilon: node.Float("epsilon", 1e-5f), center: bias != null);
        var y = im.Apply(norm, x);
        norm.SetWeights(bias == null ? [Spread(node, scale, normalized)] : [Spread(node, scale, normalized), Spread(node, bias, normalized)]);
        im.Set(node.Output[0], y);
    }

    /// <summary>InstanceNormalization: per sample and channel over the spatial axes, channels last.</summary>
    internal static void InstanceNormalization(OnnxImporter im, NodeProto node)
    {
        var x = im.Value(node, 0);
        if (x.Rank < 3) throw OnnxOperators.Unsupported(node, $"input of rank {x.Rank}; InstanceNormalization needs a spatial axis");
        x = im.ToChannelsLast(x);
        var norm = new Layers.InstanceNormalization(axis: -1, epsilon: node.Float("epsilon", 1e-5f));
        var y = im.Apply(norm, x);
        int[] channels = [x.Symbol.Shape[^1]];
        norm.SetWeights([Spread(node, im.Constant(node, 1), channels), Spread(node, im.Constant(node, 2), channels)]);
        im.Set(node.Output[0], y);
    }

    /// <summary>
    /// GroupNormalization as NormLab's GroupNormalization, channels last. Opset 18 gives scale and bias
    /// per group (repeated over each group's channels here), opset 21 per channel; with one channel per
    /// group the two agree, so the size decides.
    /// </summary>
    internal static void GroupNormalization(OnnxImporter im, NodeProto node)
    {
        var x = im.Value(node, 0);
        if (x.Rank < 3) throw OnnxOperators.Unsupported(node, $"input of rank {x.Rank}; GroupNormalization needs (N, C, ...)");
        x = im.ToChannelsLast(x);
        int channels = x.Symbol.Shape[^1];
        long groups = node.Int("num_groups", 0);
        if (groups < 1 || channels % groups != 0) throw OnnxOperators.Unsupported(node, $"num_groups {groups} for {channels} channels; the groups must split the channels evenly");
        var norm = new Layers.GroupNormalization((int)groups, axis: -1, epsilon: node.Float("epsilon", 1e-5f));
        var y = im.Apply(norm, x);
        norm.SetWeights([PerChannel(node, im.Constant(node, 1), channels, (int)groups), PerChannel(node, im.Constant(node, 2), channels, (int)groups)]);
        im.Set(node.Output[0], y);
    }

    private static Tensor PerChannel(NodeProto node, Tensor value, int channels, int groups)
    {
        if (value.Size == channels) return Ops.Reshape(value, [channels]);
        if (value.Size != groups) throw OnnxOperators.Unsupported(node, $"a scale or bias of shape {Shapes.Format(value.Shape)} for {channels} channels in {groups} groups");
        return Tensor.FromArray(value.ToArray().SelectMany(v => Enumerable.Repeat(v, channels / groups)).ToArray(), [channels]);
    }

    /// <summary>
    /// LRN across channels: ONNX's window of odd size s is NormLab's depth radius (s - 1) / 2, and ONNX
    /// divides alpha by s where NormLab (TensorFlow's convention) does not.
    /// </summary>
    internal static void Lrn(OnnxImporter im, NodeProto node)
    {
        var x = im.Value(node, 0);
        if (x.Rank < 3) throw OnnxOperators.Unsupported(node, $"input of rank {x.Rank}; LRN needs (N, C, ...)");
        long size = node.Int("size", 0);
        if (size < 1 || size % 2 == 0) throw OnnxOperators.Unsupported(node, $"size {size}; only an odd window (centered on the channel) imports");
        var lrn = new LocalResponseNormalization((int)(size - 1) / 2, node.Float("bias", 1f), node.Float("alpha", 1e-4f) / (double)size, node.Float("beta", 0.75f));
        im.Set(node.Output[0], im.Apply(lrn, im.ToChannelsLast(x)));
    }

    /// <summary>A norm's scale or bias broadcast to the shape of the layer's weight, or an error naming the shapes.</summary>
    private static Tensor Spread(NodeProto node, Tensor value, int[] shape)
    {
        try
        {
            Shapes.Broadcast(value.Shape, shape, node.OpType);
        }
        catch (ArgumentException)
        {
            throw OnnxOperators.Unsupported(node, $"a scale or bias of shape {Shapes.Format(value.Shape)} for normalized blocks of shape {Shapes.Format(shape)}");
        }
        using var _ = Autograd.Tape.NoGrad();
        return Ops.Add(Tensor.Zeros(shape), value);
    }
}

using NormLab.Layers;
using NormLab.Onnx.Proto;

namespace NormLab.Onnx.Import;

/// <summary>Constants, Gemm and MatMul (as Dense), elementwise arithmetic, activations and shape operators.</summary>
internal static class CoreImport
{
    internal static void Constant(OnnxImporter im, NodeProto node)
    {
        var value = node.TensorValue("value")
            ?? throw OnnxOperators.Unsupported(node, "only the 'value' form of Constant imports");
        im.SetConstant(node.Output[0], OnnxTensors.ToTensor(value));
    }

    /// <summary>Identity, and Dropout (which does nothing at inference and whose mask is not used).</summary>
    internal static void Identity(OnnxImporter im, NodeProto node)
    {
        if (im.IsConstant(node.Input[0])) im.SetConstant(node.Output[0], im.Constant(node, 0));
        else im.Set(node.Output[0], im.Value(node, 0));
    }

    /// <summary>
    /// Pad: nothing (exporters emit it before pools), or zeros around the image of an (N, C, H, W) value,
    /// as ZeroPadding2D.
    /// </summary>
    internal static void Pad(OnnxImporter im, NodeProto node)
    {
        var x = im.Value(node, 0);
        var pads = node.Ints("pads") ?? OnnxTensors.ToLongs(im.Constant(node, 1)).Select(p => (int)p).ToArray();
        if (pads.All(p => p == 0))
        {
            im.Set(node.Output[0], x);
            return;
        }
        string mode = node.String("mode", "constant");
        float value = node.Float("value", 0f);
        if (im.OptionalConstant(node, 2) is Tensor v) value = v.ToArray()[0];
        bool spatialOnly = x.Rank == 4 && pads.Length == 8 && pads[0] == 0 && pads[1] == 0 && pads[4] == 0 && pads[5] == 0 && pads.All(p => p >= 0);
        if (mode != "constant" || value != 0 || !spatialOnly)
            throw OnnxOperators.Unsupported(node, $"mode '{mode}', value {value}, pads [{string.Join(", ", pads)}] on a rank-{x.Rank} input; " +
                "only zeros around the image of an (N, C, H, W) value import (ZeroPadding2D)");
        var padding = new ZeroPadding2D(((pads[2], pads[6]), (pads[3], pads[7])));
        im.Set(node.Output[0], im.Apply(padding, im.ToChannelsLast(x)));
    }

    /// <summary>Gemm: alpha * A @ op(B) + beta * C with constant B and C, as a Dense layer.</summary>
    internal static void Gemm(OnnxImporter im, NodeProto node)
    {
        if (node.Int("transA", 0) != 0) throw OnnxOperators.Unsupported(node, "transA = 1 (a transposed data input)");
        var x = im.ToOnnxLayout(im.Value(node, 0));
        if (x.Rank != 2) throw OnnxOperators.Unsupported(node, $"input of rank {x.Rank}; Gemm takes a matrix");
        using var _ = Autograd.Tape.NoGrad();
        var b = im.Constant(node, 1);
        var kernel = Ops.Affine(node.Int("transB", 0) != 0 ? Ops.Transpose(b, 1, 0) : b, node.Float("alpha", 1f));
        int units = kernel.Shape[1];
        var c = im.OptionalConstant(node, 2);
        if (c != null && c.Size != 1 && c.Size != units)
            throw OnnxOperators.Unsupported(node, $"C of shape {Shapes.Format(c.Shape)} with {units} units; only a scalar or one value per unit (not per batch row) imports");
        var dense = new Dense(units, useBias: c != null);
        var y = im.Apply(dense, x);
        if (c == null) dense.SetWeights([kernel]);
        else dense.SetWeights([kernel, Ops.Affine(Ops.Add(Tensor.Zeros(units), Ops.Reshape(c, c.Size == 1 ? [1] : [units])), node.Float("beta", 1f))]);
        im.Set(node.Output[0], y);
    }

    /// <summary>MatMul by a constant matrix, as a Dense layer without bias over the last axis.</summary>
    internal static void MatMul(OnnxImporter im, NodeProto node)
    {
        var x = im.ToOnnxLayout(im.Value(node, 0));
        var weight = im.Constant(node, 1);
        if (weight.Rank != 2) throw OnnxOperators.Unsupported(node, $"a weight of rank {weight.Rank}; only a constant matrix multiplies (x @ W)");
        var dense = new Dense(weight.Shape[1], useBias: false);
        var y = im.Apply(dense, x);
        dense.SetWeights([weight]);
        im.Set(node.Output[0], y);
    }

    /// <summary>Add, Sub, Mul, Div: folded when both sides are constants, a layer with the constant as its weight when one is.</summary>
    internal static void Elementwise(OnnxImporter im, NodeProto node)
    {
        string op = node.OpType;
        bool leftConstant = im.IsConstant(node.Input[0]), rightConstant = im.IsConstant(node.Input[1]);
        if (leftConstant && rightConstant)
        {
            using var _ = Autograd.Tape.NoGrad();
            im.SetConstant(node.Output[0], ElementwiseOperator.Apply(op, im.Constant(node, 0), im.Constant(node, 1)));
            return;
        }
        if (leftConstant || rightConstant)
        {
            int constantIndex = leftConstant ? 0 : 1;
            var x = im.Value(node, 1 - constantIndex);
            var constant = OnnxImporter.InLayoutOf(im.Constant(node, constantIndex), x);
            var layer = new OnnxConstantOperation(op, constant.Shape, constantFirst: leftConstant, constantTrainable: im.IsInitializer(node.Input[constantIndex]));
            var y = im.Apply(layer, x);
            layer.SetWeights([constant]);
            im.Set(node.Output[0], y);
            return;
        }
        var a = im.Value(node, 0);
        var b = im.Value(node, 1);
        if (a.ChannelsLast != b.ChannelsLast || a.BatchAxis != b.BatchAxis || a.Rank != b.Rank) (a, b) = (im.ToOnnxLayout(a), im.ToOnnxLayout(b));
        MergeLayer merge = op == "Add" && a.Symbol.Shape.SequenceEqual(b.Symbol.Shape) ? new Add() : new OnnxBinaryOperation(op);
        im.Set(node.Output[0], a with { Symbol = merge.Call([a.Symbol, b.Symbol]) });
    }

    /// <summary>Relu, Sigmoid and Tanh, which do not care about the layout.</summary>
    internal static void Activation(OnnxImporter im, NodeProto node) =>
        im.Set(node.Output[0], im.Apply(new Activation(node.OpType.ToLowerInvariant()), im.Value(node, 0)));

    /// <summary>LeakyRelu (ONNX's default alpha 0.01) as NormLab's LeakyReLU layer.</summary>
    internal static void LeakyRelu(OnnxImporter im, NodeProto node)
    {
        float alpha = node.Float("alpha", 0.01f);
        if (!(alpha >= 0)) throw OnnxOperators.Unsupported(node, $"alpha {alpha}; NormLab's LeakyReLU takes a slope >= 0");
        im.Set(node.Output[0], im.Apply(new LeakyReLU(alpha), im.Value(node, 0)));
    }

    /// <summary>Erf and Sqrt, and Pow by a constant 2 or 0.5 (the squares and roots of decomposed norms).</summary>
    internal static void Unary(OnnxImporter im, NodeProto node)
    {
        string op = node.OpType;
        if (op == "Pow")
        {
            var exponent = im.Constant(node, 1);
            op = exponent.Size == 1 ? exponent.ToArray()[0] switch { 2f => "Square", 0.5f => "Sqrt", _ => op } : op;
            if (op == "Pow") throw OnnxOperators.Unsupported(node, $"exponent of shape {Shapes.Format(exponent.Shape)} [{string.Join(", ", exponent.ToArray().Take(4))}]; only a constant 2 or 0.5 imports");
        }
        if (im.IsConstant(node.Input[0]))
        {
            using var _ = Autograd.Tape.NoGrad();
            im.SetConstant(node.Output[0], new OnnxUnaryOperation(op).Call(im.Constant(node, 0)));
            return;
        }
        im.Set(node.Output[0], im.Apply(new OnnxUnaryOperation(op), im.Value(node, 0)));
    }

    /// <summary>Gelu (opset 20) with the exact erf form, NormLab's "gelu" activation.</summary>
    internal static void Gelu(OnnxImporter im, NodeProto node)
    {
        string approximate = node.String("approximate", "none");
        if (approximate != "none") throw OnnxOperators.Unsupported(node, $"approximate = '{approximate}'; only the exact (erf) GELU imports");
        im.Set(node.Output[0], im.Apply(new Activation("gelu"), im.Value(node, 0)));
    }

    /// <summary>ReduceMean over axes after the batch axis (attribute, or input from opset 18 on).</summary>
    internal static void ReduceMean(OnnxImporter im, NodeProto node)
    {
        var x = im.Value(node, 0);
        bool keepDims = node.Int("keepdims", 1) != 0;
        if (!keepDims) x = im.ToOnnxLayout(x);
        var onnxAxes = node.Ints("axes") ?? (im.OptionalConstant(node, 1) is Tensor t ? OnnxTensors.ToLongs(t).Select(a => (int)a).ToArray() : []);
        if (onnxAxes.Length == 0) onnxAxes = Enumerable.Range(0, x.Rank).ToArray();
        var axes = onnxAxes.Select(x.Axis).ToArray();
        if (axes.Contains(0)) throw OnnxOperators.Unsupported(node, $"axes [{string.Join(", ", onnxAxes)}] of a rank-{x.Rank} input reduce the batch axis");
        im.Set(node.Output[0], im.Apply(new OnnxReduceMean(axes, keepDims), x));
    }

    /// <summary>Softmax over one axis (the last one of NormLab's layout).</summary>
    internal static void Softmax(OnnxImporter im, NodeProto node)
    {
        var x = im.Value(node, 0);
        int axis = (int)node.Int("axis", -1);
        if (x.Axis(axis) != x.Rank - 1) x = im.ToOnnxLayout(x);
        if (x.Axis(axis) != x.Rank - 1) throw OnnxOperators.Unsupported(node, $"softmax over axis {axis} of a rank-{x.Rank} tensor; only the last axis is supported");
        im.Set(node.Output[0], im.Apply(new Activation("softmax"), x));
    }

    internal static void Flatten(OnnxImporter im, NodeProto node)
    {
        var x = im.ToOnnxLayout(im.Value(node, 0));
        long axis = node.Int("axis", 1);
        if (axis != 1 && axis != 1 - x.Rank) throw OnnxOperators.Unsupported(node, $"axis {axis} of a rank-{x.Rank} input; only axis 1 (keep the batch) imports");
        im.Set(node.Output[0], im.Apply(new Flatten(), x));
    }

    /// <summary>
    /// Reshape to a static shape that keeps the batch axis: the target's first entry is 0 (copy), the
    /// graph's fixed batch size, or -1 when the other entries hold a whole sample.
    /// </summary>
    internal static void Reshape(OnnxImporter im, NodeProto node)
    {
        var x = im.ToOnnxLayout(im.Value(node, 0));
        var target = OnnxTensors.ToLongs(im.Constant(node, 1));
        int[] sample = x.Symbol.Shape;
        bool literalZeros = node.Int("allowzero", 0) != 0;
        var dims = target.Skip(1).Select((d, i) => d == 0 && !literalZeros && i < sample.Length ? sample[i] : (int)d).ToArray();
        int known = dims.Where(d => d != -1).Aggregate(1, (p, d) => p * d);
        bool batchFirst = target.Length > 0 && (target[0] == 0 && !literalZeros || target[0] == im.StaticBatch || (target[0] == -1 && !dims.Contains(-1)));
        if (dims.Count(d => d == -1) == 1 && known > 0) dims[Array.IndexOf(dims, -1)] = Shapes.SizeOf(sample) / known;
        if (!batchFirst || dims.Any(d => d < 1) || Shapes.SizeOf(dims) != Shapes.SizeOf(sample))
            throw OnnxOperators.Unsupported(node, $"target shape [{string.Join(", ", target)}] for an input of shape {Shapes.FormatBatched(sample)}; " +
                $"only reshapes that keep the batch axis import (first entry 0, -1 or the graph's batch size{(im.StaticBatch is int b ? " " + b : "")})");
        im.Set(node.Output[0], im.Apply(new OnnxReshape(dims), x));
    }

    /// <summary>
    /// Transpose; one between channels-first and channels-last only changes how the value is held, and
    /// one that moves the batch axis (to or from time-major) keeps NormLab's batch first and records
    /// where ONNX has it.
    /// </summary>
    internal static void Transpose(OnnxImporter im, NodeProto node)
    {
        var x = im.Value(node, 0);
        int r = x.Rank;
        var perm = node.Ints("perm") ?? Enumerable.Range(0, r).Reverse().ToArray();
        if (!perm.Order().SequenceEqual(Enumerable.Range(0, r)))
            throw OnnxOperators.Unsupported(node, $"perm [{string.Join(", ", perm)}] is not a permutation of a rank-{r} input's axes");
        if (r > 2 && x.BatchAxis == 0 && perm.SequenceEqual(x.ChannelsLast ? [0, .. Enumerable.Range(2, r - 2), 1] : [0, r - 1, .. Enumerable.Range(1, r - 2)]))
        {
            im.Set(node.Output[0], x with { ChannelsLast = !x.ChannelsLast });
            return;
        }
        if (x.ChannelsLast) x = im.ToOnnxLayout(x);
        // Output ONNX axis j is input ONNX axis perm[j]; NormLab holds the output's batch axis first, the others in order.
        int batch = Array.IndexOf(perm, x.BatchAxis);
        int[] held = [batch, .. Enumerable.Range(0, r).Where(j => j != batch)];
        int[] permutation = held.Select(j => x.Axis(perm[j])).ToArray();
        var y = permutation.SequenceEqual(Enumerable.Range(0, r)) ? x : im.Apply(new OnnxTranspose(permutation), x);
        im.Set(node.Output[0], y with { BatchAxis = batch });
    }

    /// <summary>Squeeze of axes of size 1 other than the batch axis (opset 13 takes the axes as an input).</summary>
    internal static void Squeeze(OnnxImporter im, NodeProto node)
    {
        var x = im.Value(node, 0);
        if (x.ChannelsLast) x = im.ToOnnxLayout(x);
        var onnxAxes = (node.Ints("axes") ?? (im.OptionalConstant(node, 1) is Tensor t ? OnnxTensors.ToLongs(t).Select(a => (int)a).ToArray() : null))
            ?? throw OnnxOperators.Unsupported(node, "no axes (squeezing every axis of size 1 could squeeze the batch)");
        onnxAxes = onnxAxes.Select(a => a < 0 ? a + x.Rank : a).ToArray();
        var axes = onnxAxes.Select(x.Axis).ToArray();
        if (axes.Any(a => a == 0 || x.Symbol.Shape[a - 1] != 1))
            throw OnnxOperators.Unsupported(node, $"axes [{string.Join(", ", onnxAxes)}] of a value held as {Shapes.FormatBatched(x.Symbol.Shape)}; only axes of size 1 other than the batch axis squeeze");
        int[] shape = x.Symbol.Shape.Where((_, i) => !axes.Contains(i + 1)).ToArray();
        var y = im.Apply(new OnnxReshape(shape), x);
        im.Set(node.Output[0], y with { BatchAxis = x.BatchAxis - onnxAxes.Count(a => a < x.BatchAxis) });
    }

    /// <summary>Gather of one constant index along an axis other than the batch (y[:, -1] of a sequence).</summary>
    internal static void Gather(OnnxImporter im, NodeProto node)
    {
        var x = im.Value(node, 0);
        if (x.ChannelsLast) x = im.ToOnnxLayout(x);
        var indices = im.Constant(node, 1);
        int onnxAxis = (int)node.Int("axis", 0);
        if (onnxAxis < 0) onnxAxis += x.Rank;
        int axis = x.Axis(onnxAxis);
        if (indices.Rank != 0 || axis == 0)
            throw OnnxOperators.Unsupported(node, $"indices of shape {Shapes.Format(indices.Shape)} along axis {onnxAxis}; only one index (a scalar) along an axis other than the batch imports");
        var y = im.Apply(new OnnxGather(axis, (int)indices.ToArray()[0]), x);
        im.Set(node.Output[0], y with { BatchAxis = x.BatchAxis - (onnxAxis < x.BatchAxis ? 1 : 0) });
    }

    internal static void Concat(OnnxImporter im, NodeProto node)
    {
        var inputs = Enumerable.Range(0, node.Input.Count).Select(i => im.Value(node, i)).ToList();
        if (inputs.Any(v => v.ChannelsLast != inputs[0].ChannelsLast || v.BatchAxis != inputs[0].BatchAxis)) inputs = inputs.Select(im.ToOnnxLayout).ToList();
        int axis = inputs[0].Axis((int)node.Int("axis", 1));
        if (axis == 0) throw OnnxOperators.Unsupported(node, "concatenation along the batch axis");
        var joined = inputs.Count == 1 ? inputs[0].Symbol : new Concatenate(axis).Call(inputs.Select(v => v.Symbol).ToList());
        im.Set(node.Output[0], inputs[0] with { Symbol = joined });
    }
}

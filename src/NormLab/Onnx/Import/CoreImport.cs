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
        im.SetConstant(node.Output[0], OnnxTensors.ToTensor(value), OnnxTensors.IsInteger(value));
    }

    /// <summary>Identity, and Dropout (which does nothing at inference and whose mask is not used).</summary>
    internal static void Identity(OnnxImporter im, NodeProto node)
    {
        if (im.IsConstant(node.Input[0])) im.Alias(node.Output[0], node.Input[0]);
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
        var x = im.Value(node, 0);
        if (x.Rank != 2) throw OnnxOperators.Unsupported(node, $"input of rank {x.Rank}; Gemm takes a matrix");
        if (!x.IsLastAxisLast) x = im.ToOnnxLayout(x);
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

    /// <summary>MatMul by a constant matrix, as a Dense layer without bias over the last axis; of two computed tensors, as <see cref="OnnxMatMul"/>.</summary>
    internal static void MatMul(OnnxImporter im, NodeProto node)
    {
        if (!im.IsConstant(node.Input[1]))
        {
            BatchMatMul(im, node);
            return;
        }
        var x = im.Value(node, 0);
        if (!x.IsLastAxisLast) x = im.ToOnnxLayout(x);
        var weight = im.Constant(node, 1);
        if (weight.Rank != 2) throw OnnxOperators.Unsupported(node, $"a weight of rank {weight.Rank}; only a constant matrix multiplies (x @ W)");
        var dense = new Dense(weight.Shape[1], useBias: false);
        var y = im.Apply(dense, x);
        dense.SetWeights([weight]);
        im.Set(node.Output[0], y);
    }

    /// <summary>
    /// The product of two computed batches of matrices of the same rank, whose leading ONNX axes are held
    /// alike (the batch in the same place among the same sizes, as attention's batch × heads): both are
    /// arranged as (batch, leading axes in ONNX's order, rows, columns) and multiplied per matrix.
    /// </summary>
    private static void BatchMatMul(OnnxImporter im, NodeProto node)
    {
        var a = im.Value(node, 0);
        var b = im.Value(node, 1);
        int r = a.Rank;
        bool alike = r == b.Rank && r >= 3 && Enumerable.Range(0, r - 2).All(j =>
            a.Axes[j].Select(x => x == 0 ? 0 : a.Size(x, 1)).SequenceEqual(b.Axes[j].Select(x => x == 0 ? 0 : b.Size(x, 1))));
        bool matrices = new[] { a.Axis(-2), a.Axis(-1), b.Axis(-2), b.Axis(-1) }.All(x => x > 0);
        if (!alike || !matrices)
            throw OnnxOperators.Unsupported(node, $"operands of ONNX shapes {a.OnnxShapeText} and {b.OnnxShapeText}; two computed tensors multiply when they have the same rank >= 3, " +
                "the same leading axes (no broadcasting) and the batch outside their last two axes");
        var (left, right) = (Matrices(im, a), Matrices(im, b));
        im.Set(node.Output[0], left with { Symbol = new OnnxMatMul().Call([left.Symbol, right.Symbol]) });
    }

    /// <summary>The value's NormLab axes ordered as (batch, the leading ONNX axes' others in ONNX's order, rows, columns).</summary>
    private static ImportedValue Matrices(OnnxImporter im, ImportedValue x)
    {
        int[] leading = x.Axes[..^2].SelectMany(g => g).Where(a => a != 0).ToArray();
        return im.Permuted(x, [0, .. leading, x.Axis(-2), x.Axis(-1)]);
    }

    /// <summary>Add, Sub, Mul, Div of a computed tensor: a layer with the constant as its weight when one side is constant (two fold at import).</summary>
    internal static void Elementwise(OnnxImporter im, NodeProto node)
    {
        string op = node.OpType;
        bool leftConstant = im.IsConstant(node.Input[0]), rightConstant = im.IsConstant(node.Input[1]);
        if (leftConstant || rightConstant)
        {
            int constantIndex = leftConstant ? 0 : 1;
            var x = im.Value(node, 1 - constantIndex);
            var constant = OnnxImporter.InLayoutOf(im.Constant(node, constantIndex), x, node);
            var layer = new OnnxConstantOperation(op, constant.Shape, constantFirst: leftConstant, constantTrainable: im.IsInitializer(node.Input[constantIndex]));
            var y = im.Apply(layer, x);
            layer.SetWeights([constant]);
            im.Set(node.Output[0], y);
            return;
        }
        var a = im.Value(node, 0);
        var b = im.Value(node, 1);
        if (!a.SameLayout(b)) (a, b) = (im.ToOnnxLayout(a), im.ToOnnxLayout(b));
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
        var onnxAxes = node.Ints("axes") ?? (im.OptionalConstant(node, 1) is Tensor t ? OnnxTensors.ToLongs(t).Select(a => (int)a).ToArray() : []);
        if (onnxAxes.Length == 0) onnxAxes = Enumerable.Range(0, x.Rank).ToArray();
        var axes = onnxAxes.SelectMany(a => x.Axes[a < 0 ? a + x.Rank : a]).ToArray();
        if (axes.Contains(0)) throw OnnxOperators.Unsupported(node, $"axes [{string.Join(", ", onnxAxes)}] of a rank-{x.Rank} input reduce the batch axis");
        var y = im.Apply(new OnnxReduceMean(axes, keepDims), x);
        im.Set(node.Output[0], keepDims ? y : x.Without(y.Symbol, axes));
    }

    /// <summary>Softmax over one axis (the last one of NormLab's layout).</summary>
    internal static void Softmax(OnnxImporter im, NodeProto node)
    {
        var x = im.Value(node, 0);
        int axis = (int)node.Int("axis", -1);
        if (axis < 0) axis += x.Rank;
        if (x.Axis(axis) != x.Symbol.Shape.Length) x = im.ToOnnxLayout(x);
        if (axis != x.Rank - 1) throw OnnxOperators.Unsupported(node, $"softmax over axis {axis} of a rank-{x.Rank} tensor; only the last axis is supported");
        im.Set(node.Output[0], im.Apply(new Activation("softmax"), x));
    }

    internal static void Flatten(OnnxImporter im, NodeProto node)
    {
        var x = im.ToOnnxLayout(im.Value(node, 0));
        long axis = node.Int("axis", 1);
        if (axis != 1 && axis != 1 - x.Rank) throw OnnxOperators.Unsupported(node, $"axis {axis} of a rank-{x.Rank} input; only axis 1 (keep the batch) imports");
        im.Set(node.Output[0], im.Apply(new Flatten(), x, ImportedValue.Singles([0, 1])));
    }

    /// <summary>Transpose only changes which NormLab axes hold which ONNX axes; data moves where a later operator needs it.</summary>
    internal static void Transpose(OnnxImporter im, NodeProto node)
    {
        var x = im.Value(node, 0);
        int r = x.Rank;
        var perm = node.Ints("perm") ?? Enumerable.Range(0, r).Reverse().ToArray();
        if (!perm.Order().SequenceEqual(Enumerable.Range(0, r)))
            throw OnnxOperators.Unsupported(node, $"perm [{string.Join(", ", perm)}] is not a permutation of a rank-{r} input's axes");
        im.Set(node.Output[0], x with { Axes = perm.Select(p => x.Axes[p]).ToArray() });
    }

    /// <summary>Squeeze of axes of size 1 other than the batch axis (opset 13 takes the axes as an input).</summary>
    internal static void Squeeze(OnnxImporter im, NodeProto node)
    {
        var x = im.Value(node, 0);
        var onnxAxes = (node.Ints("axes") ?? (im.OptionalConstant(node, 1) is Tensor t ? OnnxTensors.ToLongs(t).Select(a => (int)a).ToArray() : null))
            ?? throw OnnxOperators.Unsupported(node, "no axes (squeezing every axis of size 1 could squeeze the batch)");
        onnxAxes = onnxAxes.Select(a => a < 0 ? a + x.Rank : a).ToArray();
        var axes = onnxAxes.Select(x.Axis).ToArray();
        if (axes.Any(a => a < 1 || x.Symbol.Shape[a - 1] != 1))
            throw OnnxOperators.Unsupported(node, $"axes [{string.Join(", ", onnxAxes)}] of a value of ONNX shape {x.OnnxShapeText}; only axes of size 1 other than the batch axis squeeze");
        int[] shape = x.Symbol.Shape.Where((_, i) => !axes.Contains(i + 1)).ToArray();
        im.Set(node.Output[0], x.Without(new OnnxReshape(shape).Call(x.Symbol), axes));
    }

    /// <summary>Gather of one constant index along an axis other than the batch (y[:, -1] of a sequence).</summary>
    internal static void Gather(OnnxImporter im, NodeProto node)
    {
        var x = im.Value(node, 0);
        var indices = im.Constant(node, 1);
        int onnxAxis = (int)node.Int("axis", 0);
        if (onnxAxis < 0) onnxAxis += x.Rank;
        if (x.Axis(onnxAxis) < 0) x = im.ToOnnxLayout(x);
        int axis = x.Axis(onnxAxis);
        if (indices.Rank != 0 || axis == 0)
            throw OnnxOperators.Unsupported(node, $"indices of shape {Shapes.Format(indices.Shape)} along axis {onnxAxis}; only one index (a scalar) along an axis other than the batch imports");
        im.Set(node.Output[0], x.Without(new OnnxGather(axis, (int)indices.ToArray()[0]).Call(x.Symbol), [axis]));
    }

    /// <summary>Slice with step 1 along axes other than the batch, one <see cref="OnnxSlice"/> per axis.</summary>
    internal static void Slice(OnnxImporter im, NodeProto node)
    {
        var x = im.Value(node, 0);
        var bounds = Enumerable.Range(0, 5).Select(i => i == 0 ? null : im.OptionalConstant(node, i)).ToArray();
        foreach (var (onnxAxis, start, end, step) in ConstantFolding.SliceBounds(node, bounds, x.OnnxShape(1)))
        {
            if (x.Axis(onnxAxis) < 0) x = im.ToOnnxLayout(x);
            int axis = x.Axis(onnxAxis);
            if (axis == 0 || step != 1 || end <= start)
                throw OnnxOperators.Unsupported(node, $"[{start}, {end}) with step {step} along axis {onnxAxis} of ONNX shape {x.OnnxShapeText}; only a non-empty range with step 1 along an axis other than the batch imports");
            if (end - start < x.Symbol.Shape[axis - 1]) x = im.Apply(new OnnxSlice(axis, (int)start, (int)(end - start)), x);
        }
        im.Set(node.Output[0], x);
    }

    /// <summary>The shape of a computed tensor, with the batch as the importer's two probe sizes.</summary>
    internal static void Shape(OnnxImporter im, NodeProto node)
    {
        var x = im.Value(node, 0);
        im.SetConstant(node.Output[0], ConstantFolding.ShapeOf(node, x.OnnxShape(OnnxImporter.FirstProbe)), integer: true,
            ConstantFolding.ShapeOf(node, x.OnnxShape(OnnxImporter.SecondProbe)));
    }

    internal static void Concat(OnnxImporter im, NodeProto node)
    {
        var inputs = Enumerable.Range(0, node.Input.Count).Select(i => im.Value(node, i)).ToList();
        int onnxAxis = (int)node.Int("axis", 1);
        if (inputs.Any(v => !v.SameLayout(inputs[0])) || inputs[0].Axis(onnxAxis) < 0) inputs = inputs.Select(im.ToOnnxLayout).ToList();
        int axis = inputs[0].Axis(onnxAxis);
        if (axis == 0) throw OnnxOperators.Unsupported(node, "concatenation along the batch axis");
        var joined = inputs.Count == 1 ? inputs[0].Symbol : new Concatenate(axis).Call(inputs.Select(v => v.Symbol).ToList());
        im.Set(node.Output[0], inputs[0] with { Symbol = joined });
    }
}

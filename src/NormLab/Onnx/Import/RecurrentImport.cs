using NormLab.Layers;
using NormLab.Onnx.Proto;

namespace NormLab.Onnx.Import;

/// <summary>
/// ONNX's LSTM and GRU as NormLab's LSTM and GRU layers (Keras weight layouts): forward direction, or
/// bidirectional as a <see cref="Bidirectional"/> wrapper (concat: forward units, then backward); default
/// activations, a zero initial state and full-length sequences. ONNX stacks the gates' weights in its own
/// order (LSTM i, o, f, c; GRU z, r, h) as rows, one block per direction; Keras's kernels are
/// (features, gates * units) in the order i, f, c, o and z, r, h.
/// </summary>
internal static class RecurrentImport
{
    internal static void Lstm(OnnxImporter im, NodeProto node)
    {
        var (x, directions) = Sequence(im, node, ["Sigmoid", "Tanh", "Tanh"]);
        if (node.Int("input_forget", 0) != 0) throw OnnxOperators.Unsupported(node, "input_forget = 1 (coupled input and forget gates)");
        RequireZero(im, node, 6, "initial_c");
        RequireZero(im, node, 7, "P (peepholes)");
        int units = Units(im, node, 4, directions);
        const string onnxOrder = "iofc", kerasOrder = "ifco";
        // Keras's LSTM has one bias, the sum of ONNX's input and recurrent biases.
        var weights = Enumerable.Range(0, directions).SelectMany(d =>
        {
            Tensor[] kernels = [Kernel(im.Constant(node, 1), d, onnxOrder, kerasOrder), Kernel(im.Constant(node, 2), d, onnxOrder, kerasOrder)];
            return Biases(im, node, 4 * units, d) is (var wb, var rb)
                ? [.. kernels, Ops.Reshape(Kernel(Ops.Reshape(Ops.Add(wb, rb), [1, 4 * units, 1]), 0, onnxOrder, kerasOrder), [4 * units])]
                : kernels;
        }).ToList();
        SetOutputs(im, node, Run(im, x, new LSTM(units, useBias: im.OptionalConstant(node, 3) != null, returnSequences: true), directions, weights), units, directions);
    }

    /// <summary>GRU with linear_before_reset = 1 (PyTorch's form), which is Keras's reset_after GRU; its bias is (input bias; recurrent bias).</summary>
    internal static void Gru(OnnxImporter im, NodeProto node)
    {
        var (x, directions) = Sequence(im, node, ["Sigmoid", "Tanh"]);
        if (node.Int("linear_before_reset", 0) == 0)
            throw OnnxOperators.Unsupported(node, "linear_before_reset = 0 (the reset gate before the recurrent product, Keras's reset_after = false, which NormLab's GRU does not have)");
        int units = Units(im, node, 3, directions);
        var weights = Enumerable.Range(0, directions).SelectMany(d =>
        {
            Tensor[] kernels = [Kernel(im.Constant(node, 1), d, "zrh", "zrh"), Kernel(im.Constant(node, 2), d, "zrh", "zrh")];
            return Biases(im, node, 3 * units, d) is (var wb, var rb) ? [.. kernels, Ops.Stack([wb, rb], 0)] : kernels;
        }).ToList();
        SetOutputs(im, node, Run(im, x, new GRU(units, useBias: im.OptionalConstant(node, 3) != null, returnSequences: true), directions, weights), units, directions);
    }

    /// <summary>
    /// The layer over the sequence, wrapped in a concatenating <see cref="Bidirectional"/> for two directions, with
    /// <paramref name="weights"/> (each direction's, forward first) set once built.
    /// </summary>
    private static ImportedValue Run(OnnxImporter im, ImportedValue x, RecurrentLayer layer, int directions, IReadOnlyList<Tensor> weights)
    {
        Layer run = directions == 2 ? new Bidirectional(layer) : layer;
        var sequence = im.Apply(run, x);
        run.SetWeights(weights);
        return sequence;
    }

    /// <summary>
    /// The checked attributes and the input X held as (batch, time, features): layout 0's (time, batch,
    /// features) must come from a Transpose of a batch-first value, layout 1 is batch first already.
    /// </summary>
    private static (ImportedValue X, int Directions) Sequence(OnnxImporter im, NodeProto node, string[] defaultActivations)
    {
        string direction = node.String("direction", "forward");
        if (direction != "forward" && direction != "bidirectional")
            throw OnnxOperators.Unsupported(node, $"direction '{direction}'; forward and bidirectional import");
        int directions = direction == "bidirectional" ? 2 : 1;
        // ONNX lists the activations of each direction in turn.
        string[] expected = [.. Enumerable.Repeat(defaultActivations, directions).SelectMany(a => a)];
        var activations = node.Attribute.FirstOrDefault(a => a.Name == "activations")?.Strings.Select(v => v.ToStringUtf8()).ToArray();
        if (activations != null && !activations.SequenceEqual(expected))
            throw OnnxOperators.Unsupported(node, $"activations [{string.Join(", ", activations)}]; only the default [{string.Join(", ", expected)}] imports");
        if (node.Attribute.Any(a => a.Name == "clip")) throw OnnxOperators.Unsupported(node, "clip (cell clipping)");
        var x = im.Value(node, 0);
        long layout = node.Int("layout", 0);
        int batchAxis = layout == 0 ? 1 : 0;
        if (x.Rank != 3 || x.BatchAxis != batchAxis || x.Axes[batchAxis].Length != 1)
            throw OnnxOperators.Unsupported(node, $"layout {layout} wants the batch at ONNX axis {batchAxis} of a rank-3 input, received rank {x.Rank} with the batch at axis {x.BatchAxis} " +
                "(a model's input is batch first, so layout 0 takes a sequence that a Transpose made time-major)");
        if (im.OptionalConstant(node, 4) is Tensor lengths && lengths.ToArray().Any(l => l != x.Symbol.Shape[0]))
            throw OnnxOperators.Unsupported(node, $"sequence_lens [{string.Join(", ", lengths.ToArray())}] shorter than the {x.Symbol.Shape[0]} steps");
        RequireZero(im, node, 5, "initial_h");
        return (im.Held(x, batchAxis == 0 ? [0, 1, 2] : [1, 0, 2]), directions);
    }

    /// <summary>The hidden size (attribute, or from R's shape), checked against W's and R's shapes.</summary>
    private static int Units(OnnxImporter im, NodeProto node, int gates, int directions)
    {
        var w = im.Constant(node, 1);
        var r = im.Constant(node, 2);
        int units = (int)node.Int("hidden_size", r.Shape[^1]);
        if (w.Rank != 3 || r.Rank != 3 || w.Shape[0] != directions || r.Shape[0] != directions || w.Shape[1] != gates * units || r.Shape[1] != gates * units || r.Shape[2] != units)
            throw OnnxOperators.Unsupported(node, $"W {Shapes.Format(w.Shape)} and R {Shapes.Format(r.Shape)} for {directions} direction(s) of {gates} gates of {units} units; " +
                $"expected ({directions}, {gates * units}, features) and ({directions}, {gates * units}, {units})");
        return units;
    }

    /// <summary>Direction <paramref name="d"/>'s input and recurrent halves of B; null when B is absent (the layer then has no bias to train).</summary>
    private static (Tensor Input, Tensor Recurrent)? Biases(OnnxImporter im, NodeProto node, int size, int d)
    {
        var b = im.OptionalConstant(node, 3);
        if (b == null) return null;
        int directions = im.Constant(node, 1).Shape[0];
        if (b.Size != directions * 2 * size) throw OnnxOperators.Unsupported(node, $"B of shape {Shapes.Format(b.Shape)}; expected ({directions}, {2 * size})");
        var flat = Ops.Reshape(b, [directions * 2 * size]);
        return (Ops.Slice(flat, 0, d * 2 * size, size), Ops.Slice(flat, 0, d * 2 * size + size, size));
    }

    /// <summary>Direction <paramref name="d"/> of ONNX's (directions, gates * units, n) weight as Keras's (n, gates * units) kernel with the gate blocks reordered.</summary>
    private static Tensor Kernel(Tensor weight, int d, string onnxOrder, string kerasOrder)
    {
        using var _ = Autograd.Tape.NoGrad();
        var rows = Ops.Reshape(Ops.Slice(weight, 0, d, 1), [weight.Shape[^2], weight.Shape[^1]]);
        int block = rows.Shape[0] / onnxOrder.Length;
        var blocks = kerasOrder.Select(gate => Ops.Slice(rows, 0, onnxOrder.IndexOf(gate) * block, block)).ToList();
        return Ops.Transpose(Ops.Concat(blocks, 0), 1, 0);
    }

    private static void RequireZero(OnnxImporter im, NodeProto node, int index, string what)
    {
        if (index >= node.Input.Count || node.Input[index].Length == 0) return;
        if (!im.IsConstant(node.Input[index]) || im.Constant(node, index).ToArray().Any(v => v != 0))
            throw OnnxOperators.Unsupported(node, $"a {what} that is not a constant zero; NormLab's recurrent layers start from zeros");
    }

    /// <summary>
    /// Y (time, directions, batch, units) for layout 0 or (batch, time, directions, units) for layout 1, and
    /// Y_h, each direction's final state, (directions, batch, units) or (batch, directions, units); held batch
    /// first. The backward direction ends at step 0 of Y (its steps are in input order). Y_c has no NormLab
    /// counterpart.
    /// </summary>
    private static void SetOutputs(OnnxImporter im, NodeProto node, ImportedValue sequence, int units, int directions)
    {
        bool timeMajor = node.Int("layout", 0) == 0;
        int steps = sequence.Symbol.Shape[0];
        var y = im.Apply(new OnnxReshape([steps, directions, units]), sequence, ImportedValue.Singles(timeMajor ? [1, 2, 0, 3] : [0, 1, 2, 3]));
        if (node.Output.Count > 0 && node.Output[0].Length > 0) im.Set(node.Output[0], y);
        if (node.Output.Count < 2 || node.Output[1].Length == 0) return;
        var last = new OnnxGather(1, -1).Call(y.Symbol);
        var finals = directions == 1 ? last
            : new Concatenate(1).Call([new OnnxSlice(1, 0, 1).Call(last), new OnnxSlice(1, 1, 1).Call(new OnnxGather(1, 0).Call(y.Symbol))]);
        im.Set(node.Output[1], new ImportedValue(finals, ImportedValue.Singles(timeMajor ? [1, 0, 2] : [0, 1, 2])));
    }
}

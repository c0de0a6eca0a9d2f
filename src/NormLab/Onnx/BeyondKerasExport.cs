using NormLab.Layers;
using static NormLab.Onnx.OnnxGraph;

namespace NormLab.Onnx;

/// <summary>
/// The beyond-Keras and modern normalizations at inference, each as its documented formula in ONNX
/// primitives on channels-last data (statistics over the spatial axes 1..r-2, the channel last), and the
/// weight wrappers with their normalized kernel folded into a plain Dense or Conv2D.
/// </summary>
internal static class BeyondKerasExport
{
    internal static OnnxValue GhostBatchNormalization(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs) =>
        NormalizationExport.MovingStatistics(g, layer, Channel(g, layer, ((GhostBatchNormalization)layer).Axis, inputs[0]), ((GhostBatchNormalization)layer).Epsilon);

    /// <summary>y = x - moving_mean + beta.</summary>
    internal static OnnxValue MeanOnlyBatchNormalization(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var x = Channel(g, layer, ((MeanOnlyBatchNormalization)layer).Axis, inputs[0]);
        var centred = g.Node("Sub", layer.Name, [x.Name, Param(g, layer, "moving_mean")]);
        return x with { Name = g.Node("Add", layer.Name, [centred, Param(g, layer, "beta")]) };
    }

    /// <summary>y = gamma x / sqrt(mean_spatial(x²) + eps (+ |eps_l|)) + beta, then max(y, tau) with the TLU.</summary>
    internal static OnnxValue FilterResponseNormalization(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var frn = (FilterResponseNormalization)layer;
        var x = g.Layout(inputs[0], channelsFirst: false);
        var square = g.Node("Mul", layer.Name, [x.Name, x.Name]);
        var nu2 = x.Rank == 2 ? square : g.ReduceMean(layer.Name, square, Spatial(x));
        var shifted = g.Node("Add", layer.Name, [nu2, g.Scalar(layer.Name + "/epsilon", frn.Epsilon)]);
        if (OnnxLayers.Weight(layer, "epsilon_l") != null)
            shifted = g.Node("Add", layer.Name, [shifted, g.Node("Abs", layer.Name, [Param(g, layer, "epsilon_l")])]);
        var y = Affine(g, layer, g.Node("Div", layer.Name, [x.Name, g.Node("Sqrt", layer.Name, [shifted])]));
        if (OnnxLayers.Weight(layer, "tau") != null) y = g.Node("Max", layer.Name, [y, Param(g, layer, "tau")]);
        return x with { Name = y };
    }

    internal static OnnxValue Tlu(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var x = g.Layout(inputs[0], channelsFirst: false);
        return x with { Name = g.Node("Max", layer.Name, [x.Name, Param(g, layer, "tau")]) };
    }

    /// <summary>y = x / max(sqrt(moving_var + eps), v x + sqrt(var_spatial(x) + eps)) * gamma + beta.</summary>
    internal static OnnxValue EvoNormB0(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var evo = (EvoNormB0)layer;
        var x = g.Layout(inputs[0], channelsFirst: false);
        var eps = g.Scalar(layer.Name + "/epsilon", evo.Epsilon);
        var batchStd = g.Node("Sqrt", layer.Name, [g.Node("Add", layer.Name, [Param(g, layer, "moving_variance"), eps])]);
        var instanceVariance = Variance(g, layer.Name, x.Name, Spatial(x));
        var instanceStd = g.Node("Sqrt", layer.Name, [g.Node("Add", layer.Name, [instanceVariance, eps])]);
        var right = g.Node("Add", layer.Name, [g.Node("Mul", layer.Name, [x.Name, Param(g, layer, "v")]), instanceStd]);
        var denominator = g.Node("Max", layer.Name, [batchStd, right]);
        return x with { Name = Affine(g, layer, g.Node("Div", layer.Name, [x.Name, denominator])) };
    }

    /// <summary>y = x sigmoid(v x) / group_std(x) * gamma + beta, the group statistics over (spatial, channels of a group).</summary>
    internal static OnnxValue EvoNormS0(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var evo = (EvoNormS0)layer;
        var x = g.Layout(inputs[0], channelsFirst: false);
        int channels = x.Shape[^1];
        var grouped = g.Int64s(layer.Name + "/grouped", 0, -1, evo.Groups, channels / evo.Groups);
        var split = g.Node("Reshape", layer.Name, [x.Name, grouped]);
        var std = g.Node("Sqrt", layer.Name, [g.Node("Add", layer.Name, [Variance(g, layer.Name, split, [1, 3]), g.Scalar(layer.Name + "/epsilon", evo.Epsilon)])]);
        var gated = g.Node("Mul", layer.Name, [x.Name, g.Node("Sigmoid", layer.Name, [g.Node("Mul", layer.Name, [x.Name, Param(g, layer, "v")])])]);
        var normalized = g.Node("Div", layer.Name, [g.Node("Reshape", layer.Name, [gated, grouped]), std]);
        var back = g.Node("Reshape", layer.Name, [normalized, g.Node("Shape", layer.Name, [x.Name])]);
        return x with { Name = Affine(g, layer, back) };
    }

    /// <summary>
    /// Instance, layer and moving batch statistics mixed by the softmax of the learned weights (folded at export):
    /// mu = w.[mi, ml, mb], var = w'.[vi, vl, vb] with vi unbiased over the spatial axes, vl = mean_c(vi) + mean_c((mi - ml)²).
    /// </summary>
    internal static OnnxValue SwitchableNormalization(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var sn = (SwitchableNormalization)layer;
        var x = Channel(g, layer, sn.Axis, inputs[0]);
        int spatial = x.Shape[1..^1].Aggregate(1, (a, b) => a * b);
        var (mi, viBiased) = InstanceMoments(g, layer.Name, x);
        var vi = spatial > 1 ? g.Node("Mul", layer.Name, [viBiased, g.Scalar(layer.Name + "/bessel", spatial / (spatial - 1.0))]) : viBiased;
        var ml = g.ReduceMean(layer.Name, mi, x.Rank - 1);
        var spread = g.Node("Sub", layer.Name, [mi, ml]);
        var vl = g.Node("Add", layer.Name, [g.ReduceMean(layer.Name, vi, x.Rank - 1), g.ReduceMean(layer.Name, g.Node("Mul", layer.Name, [spread, spread]), x.Rank - 1)]);
        var meanWeights = Softmax(OnnxLayers.RequiredWeight(layer, "mean_weights"));
        var varianceWeights = Softmax(OnnxLayers.RequiredWeight(layer, "variance_weights"));
        string[] means = meanWeights.Length == 3 ? [mi, ml, Param(g, layer, "moving_mean")] : [mi, ml];
        string[] variances = varianceWeights.Length == 3 ? [vi, vl, Param(g, layer, "moving_variance")] : [vi, vl];
        var mu = Mix(g, layer.Name, means, meanWeights);
        var variance = Mix(g, layer.Name, variances, varianceWeights);
        var std = g.Node("Sqrt", layer.Name, [g.Node("Add", layer.Name, [variance, g.Scalar(layer.Name + "/epsilon", sn.Epsilon)])]);
        return x with { Name = Affine(g, layer, g.Node("Div", layer.Name, [g.Node("Sub", layer.Name, [x.Name, mu]), std])) };
    }

    /// <summary>y = (rho x_bn + (1 - rho) x_in) * gamma + beta, x_bn on the moving statistics, x_in on the biased instance variance.</summary>
    internal static OnnxValue BatchInstanceNormalization(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var bin = (BatchInstanceNormalization)layer;
        var x = Channel(g, layer, bin.Axis, inputs[0]);
        var eps = g.Scalar(layer.Name + "/epsilon", bin.Epsilon);
        var (mi, vi) = InstanceMoments(g, layer.Name, x);
        var xIn = g.Node("Div", layer.Name, [g.Node("Sub", layer.Name, [x.Name, mi]), g.Node("Sqrt", layer.Name, [g.Node("Add", layer.Name, [vi, eps])])]);
        var bnStd = g.Node("Sqrt", layer.Name, [g.Node("Add", layer.Name, [Param(g, layer, "moving_variance"), eps])]);
        var xBn = g.Node("Div", layer.Name, [g.Node("Sub", layer.Name, [x.Name, Param(g, layer, "moving_mean")]), bnStd]);
        var rho = Param(g, layer, "rho");
        // rho x_bn + (1 - rho) x_in = x_in + rho (x_bn - x_in)
        var mixed = g.Node("Add", layer.Name, [xIn, g.Node("Mul", layer.Name, [rho, g.Node("Sub", layer.Name, [xBn, xIn])])]);
        return x with { Name = Affine(g, layer, mixed) };
    }

    /// <summary>ONNX's LRN sums over size = 2r + 1 channels and divides alpha by size; NormLab's (TensorFlow's) does not.</summary>
    internal static OnnxValue LocalResponseNormalization(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var lrn = (LocalResponseNormalization)layer;
        if (inputs[0].Rank < 3)
            throw new NotSupportedException($"ExportOnnx: layer '{layer.Name}' on rank-{inputs[0].Rank} input: ONNX's LRN needs (N, C, spatial...).");
        var x = g.Layout(inputs[0], channelsFirst: true);
        int size = 2 * lrn.DepthRadius + 1;
        return x with
        {
            Name = g.Node("LRN", layer.Name, [x.Name], Attr("size", size), Attr("alpha", lrn.Alpha * size), Attr("beta", lrn.Beta), Attr("bias", lrn.Bias)),
        };
    }

    /// <summary>The adapted (x - mean) / std, or mean + x std when inverted.</summary>
    internal static OnnxValue Normalization(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var norm = (Normalization)layer;
        var x = g.Layout(inputs[0], channelsFirst: false);
        var (mean, std) = norm.BroadcastStatistics();
        var m = g.Initializer(layer.Name + "/mean", mean);
        var s = g.Initializer(layer.Name + "/std", std);
        var y = norm.Invert
            ? g.Node("Add", layer.Name, [m, g.Node("Mul", layer.Name, [x.Name, s])])
            : g.Node("Div", layer.Name, [g.Node("Sub", layer.Name, [x.Name, m]), s]);
        return x with { Name = y };
    }

    /// <summary>y = weight tanh(alpha x) + bias.</summary>
    internal static OnnxValue DynamicTanh(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var x = g.Layout(inputs[0], channelsFirst: false);
        var t = g.Node("Tanh", layer.Name, [g.Node("Mul", layer.Name, [x.Name, Param(g, layer, "alpha")])]);
        return x with { Name = g.Node("Add", layer.Name, [g.Node("Mul", layer.Name, [t, Param(g, layer, "weight")]), Param(g, layer, "bias")]) };
    }

    /// <summary>y = g x / max(‖x‖, eps) over the last axis.</summary>
    internal static OnnxValue ScaleNorm(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var x = g.Layout(inputs[0], channelsFirst: false);
        var norm = g.Node("Sqrt", layer.Name, [g.ReduceSum(layer.Name, g.Node("Mul", layer.Name, [x.Name, x.Name]), x.Rank - 1)]);
        var divisor = g.Node("Max", layer.Name, [norm, g.Scalar(layer.Name + "/epsilon", ((ScaleNorm)layer).Epsilon)]);
        return x with { Name = g.Node("Div", layer.Name, [g.Node("Mul", layer.Name, [x.Name, Param(g, layer, "scale")]), divisor]) };
    }

    internal static OnnxValue LayerScale(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var x = g.Layout(inputs[0], channelsFirst: false);
        return x with { Name = g.Node("Mul", layer.Name, [x.Name, Param(g, layer, "gamma")]) };
    }

    /// <summary>The first rows of the table, expanded to the input's shape.</summary>
    internal static OnnxValue PositionEmbedding(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var x = g.Layout(inputs[0], channelsFirst: false);
        var table = OnnxLayers.RequiredWeight(layer, "embeddings");
        int length = x.Shape[1], features = table.Dims[1];
        var rows = g.Initializer(layer.Name + "/embeddings", table.ToArray().AsSpan(0, length * features), length, features);
        return x with { Name = g.Node("Expand", layer.Name, [rows, g.Node("Shape", layer.Name, [x.Name])]) };
    }

    internal static OnnxValue PatchEmbedding(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var patches = (PatchEmbedding)layer;
        var grid = g.Layout(OnnxLayers.Export(g, patches.Projection, inputs), channelsFirst: false);
        return grid with { Name = g.Node("Reshape", layer.Name, [grid.Name, g.Int64s(layer.Name + "/tokens", 0, -1, patches.ProjectionDim)]) };
    }

    internal static OnnxValue SpectralNormalization(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs) =>
        // Keras's semantics: the kernel is stored normalized, so inference is the wrapped layer as it is.
        OnnxLayers.Export(g, ((SpectralNormalization)layer).Layer, inputs);

    internal static OnnxValue WeightStandardization(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var ws = (WeightStandardization)layer;
        using var _ = Autograd.Tape.NoGrad();
        return ConvolutionExport.ConvWith(g, ws.Layer, inputs[0], ws.StandardizedKernel());
    }

    internal static OnnxValue WeightNormalization(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        var wn = (WeightNormalization)layer;
        Tensor kernel;
        using (Autograd.Tape.NoGrad()) kernel = Ops.WeightNorm(wn.V!, OnnxLayers.RequiredWeight(layer, "g"));
        return wn.Layer switch
        {
            Dense dense => CoreExport.DenseWith(g, dense, inputs[0], kernel),
            BaseConv conv => ConvolutionExport.ConvWith(g, conv, inputs[0], kernel),
            _ => throw new NotSupportedException($"ExportOnnx: layer '{layer.Name}' wraps a {wn.Layer.GetType().Name}; WeightNormalization exports around Dense and the convolutions."),
        };
    }

    /// <summary>Per-(sample, channel) mean and biased variance over the spatial axes, kept (N, 1.., C).</summary>
    private static (string Mean, string Variance) InstanceMoments(OnnxGraph g, string hint, OnnxValue x)
    {
        if (x.Rank == 2) return (x.Name, g.Scalar(hint + "/zero", 0));
        var mean = g.ReduceMean(hint, x.Name, Spatial(x));
        var centred = g.Node("Sub", hint, [x.Name, mean]);
        return (mean, g.ReduceMean(hint, g.Node("Mul", hint, [centred, centred]), Spatial(x)));
    }

    private static string Variance(OnnxGraph g, string hint, string x, int[] axes)
    {
        var centred = g.Node("Sub", hint, [x, g.ReduceMean(hint, x, axes)]);
        return g.ReduceMean(hint, g.Node("Mul", hint, [centred, centred]), axes);
    }

    private static string Mix(OnnxGraph g, string hint, string[] terms, double[] weights)
    {
        var sum = g.Node("Mul", hint, [terms[0], g.Scalar(hint + "/w", weights[0])]);
        for (int i = 1; i < terms.Length; i++) sum = g.Node("Add", hint, [sum, g.Node("Mul", hint, [terms[i], g.Scalar(hint + "/w", weights[i])])]);
        return sum;
    }

    private static double[] Softmax(Tensor logits)
    {
        var v = logits.ToArray().Select(z => (double)z).ToArray();
        double max = v.Max(), sum = v.Sum(z => Math.Exp(z - max));
        return v.Select(z => Math.Exp(z - max) / sum).ToArray();
    }

    private static string Affine(OnnxGraph g, Layer layer, string y)
    {
        if (OnnxLayers.Weight(layer, "gamma") != null) y = g.Node("Mul", layer.Name, [y, Param(g, layer, "gamma")]);
        if (OnnxLayers.Weight(layer, "beta") != null) y = g.Node("Add", layer.Name, [y, Param(g, layer, "beta")]);
        return y;
    }

    /// <summary>A per-channel (or scalar) weight as an initializer, broadcast along the last axis.</summary>
    private static string Param(OnnxGraph g, Layer layer, string name) => g.Initializer($"{layer.Name}/{name}", OnnxLayers.RequiredWeight(layer, name));

    private static int[] Spatial(OnnxValue x) => Enumerable.Range(1, x.Rank - 2).ToArray();

    /// <summary>The input in channels-last layout, checking the layer normalizes its last axis.</summary>
    private static OnnxValue Channel(OnnxGraph g, Layer layer, int axis, OnnxValue input)
    {
        if (axis != -1 && axis != input.Rank - 1)
            throw new NotSupportedException($"ExportOnnx: layer '{layer.Name}' normalizes axis {axis} of a rank-{input.Rank} input; only the last (channel) axis exports.");
        return g.Layout(input, channelsFirst: false);
    }
}

namespace NormLab.Layers;

/// <summary>How the normalization layers map an input shape and their axes onto the kernels' views.</summary>
internal static class NormViews
{
    /// <summary>Product of dims[from..to).</summary>
    internal static int Prod(ReadOnlySpan<int> dims, int from, int to)
    {
        int p = 1;
        for (int i = from; i < to; i++) p *= dims[i];
        return p;
    }

    /// <summary>Sorted, non-negative, duplicate-free axes (Keras's LayerNormalization build rules).</summary>
    internal static int[] CanonicalAxes(int[] axes, int rank, string layer)
    {
        var result = new int[axes.Length];
        for (int i = 0; i < axes.Length; i++)
        {
            int a = axes[i] < 0 ? axes[i] + rank : axes[i];
            if (a < 0 || a >= rank)
                throw new ArgumentException($"{layer}: axis {axes[i]} is out of bounds for an array with dimension {rank}.");
            result[i] = a;
        }
        if (result.Distinct().Count() != result.Length)
            throw new ArgumentException($"{layer}: Duplicate axes are not allowed. Received: axis=[{string.Join(", ", axes)}]");
        Array.Sort(result);
        return result;
    }

    /// <summary>The InputSpec checks of a layer built for <paramref name="builtDims"/> that normalizes over <paramref name="axes"/>: the rank and each normalized axis.</summary>
    internal static void CheckInput(string layer, Tensor x, int[] axes, int[] builtDims)
    {
        CheckInput(layer, x, builtDims.Length, -1, 0);
        foreach (int a in axes)
            if (x.Dims[a] != builtDims[a])
                throw new ArgumentException($"Input 0 of layer '{layer}' is incompatible with the layer: expected axis {a} of input shape to have value {builtDims[a]}, but received input with shape {Shapes.Format(x.Dims)}");
    }

    /// <summary>The non-negative axis for <paramref name="axis"/> (Keras's message when it is out of range),
    /// which must not be empty (<see cref="RequireExtent"/>).</summary>
    internal static int ResolveAxis(string layer, int axis, int[] shape)
    {
        int a = axis < 0 ? axis + shape.Length : axis;
        if (a < 0 || a >= shape.Length)
            throw new ArgumentException($"{layer}: Axis {axis} is out of bounds for input shape {Shapes.Format(shape)}. Received: axis={axis}");
        RequireExtent(layer, shape, a);
        return a;
    }

    /// <summary>A per-channel axis that may not be the batch axis (instance and ghost batch norm), nor empty.</summary>
    internal static int ResolveFeatureAxis(string layer, int axis, int[] shape)
    {
        int a = axis < 0 ? axis + shape.Length : axis;
        if (a < 1 || a >= shape.Length)
            throw new ArgumentException($"{layer}: axis {axis} is out of bounds or the batch axis for input shape {Shapes.Format(shape)}. Received: axis={axis}");
        RequireExtent(layer, shape, a);
        return a;
    }

    /// <summary>
    /// Training with batch statistics on an empty batch (a batch axis or spatial axis of size 0) has no
    /// statistics to normalize with, and averaging none into the moving statistics would write NaN into them
    /// silently: it throws instead. Inference, and the per-sample layers, return an empty output.
    /// </summary>
    internal static void RejectEmptyBatch(string layer, Tensor x)
    {
        if (x.Size == 0)
            throw new InvalidOperationException($"{layer}: cannot train on an empty batch (input shape {Shapes.Format(x.Dims)}): there are no batch statistics to normalize with or to update the moving statistics from. Skip empty batches, or call with training: false.");
    }

    /// <summary>
    /// Rejects, when a layer is built, a channel or normalized axis of size 0: its weights would be empty and
    /// there is nothing to normalize along it (almost surely a bug upstream). An empty batch or spatial axis is
    /// fine: the output is empty too.
    /// </summary>
    internal static void RequireExtent(string layer, int[] shape, params int[] axes)
    {
        foreach (int a in axes)
            if (shape[a] == 0)
                throw new ArgumentException($"{layer}: axis {a} of input shape {Shapes.Format(shape)} has size 0; the layer normalizes along it and needs at least one value there.");
    }

    /// <summary>The InputSpec checks Keras runs when a built layer is called again.</summary>
    internal static void CheckInput(string layer, Tensor x, int rank, int axis, int size)
    {
        if (x.Rank != rank)
            throw new ArgumentException($"Input 0 of layer '{layer}' is incompatible with the layer: expected ndim={rank}, found ndim={x.Rank}. Full shape received: {Shapes.Format(x.Dims)}");
        if (axis >= 0 && x.Dims[axis] != size)
            throw new ArgumentException($"Input 0 of layer '{layer}' is incompatible with the layer: expected axis {axis} of input shape to have value {size}, but received input with shape {Shapes.Format(x.Dims)}");
    }

    /// <summary>Inference with moving statistics: per channel of the [rows, C, I] view, <c>(x - movingMean) / sqrt(movingVariance + epsilon) * gamma + beta</c>.</summary>
    internal static Tensor WithMovingStatistics(Tensor x, int rows, int C, int I, Tensor movingMean, Tensor movingVariance,
        double epsilon, Tensor? gamma, Tensor? beta) =>
        Ops.ChannelNorm(x, 1, rows, C, I, C, ToDouble(movingMean.Data), InvStd(ToDouble(movingVariance.Data), epsilon), gamma, beta, batchStats: false);

    internal static double[] ToDouble(float[] a)
    {
        var d = new double[a.Length];
        for (int i = 0; i < a.Length; i++) d[i] = a[i];
        return d;
    }

    internal static float[] InvStd(double[] variance, double epsilon)
    {
        var s = new float[variance.Length];
        Kernels.PerChannel.InvStd(variance, epsilon, s);
        return s;
    }
}

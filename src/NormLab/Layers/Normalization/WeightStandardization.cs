using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Weight Standardization (Qiao et al. 2019) as a wrapper around a <see cref="Conv2D"/>: every call
/// convolves with the standardized kernel
/// <c>w = (W - mean(W)) / (std(W) + epsilon)</c>, statistics per output filter over
/// (kernel height, kernel width, input channels), then adds the bias and applies the activation.
/// </summary>
/// <remarks>
/// <para>A wrapper rather than a <c>Conv2D(weightStandardization: true)</c> option: it keeps
/// Conv2D unchanged, reads like <see cref="SpectralNormalization"/>, and leaves the raw kernel in
/// the wrapped layer, so <c>Unwrap()</c>-style folding stays the caller's choice.</para>
/// <para>Convention: the authors' PyTorch reference, i.e. the <b>unbiased</b> standard deviation
/// (divide by n - 1) with epsilon (1e-5) added to the std, not inside a square root. (Their TF
/// code uses the biased std; timm's StdConv2d uses the biased variance with eps inside the sqrt.)
/// Gradients flow through the mean and std into the raw kernel.</para>
/// <para>Weights: the wrapped layer's, in its order: <c>kernel</c>, <c>bias</c>. Same in training
/// and inference. The kernel must hold more than one value per filter (a 1x1 kernel over one input
/// channel has no standard deviation).</para>
/// </remarks>
/// <example><code>var conv = new WeightStandardization(new Conv2D(32, (3, 3), padding: "same"));</code></example>
public sealed class WeightStandardization : Layer
{
    /// <summary>Wraps <paramref name="layer"/>.</summary>
    /// <param name="layer">The convolution whose kernel is standardized per filter.</param>
    /// <param name="epsilon">Added to the kernel variance (default 1e-5).</param>
    /// <param name="name">Optional layer name; a unique one from the class name when null.</param>
    /// <exception cref="ArgumentException">When <paramref name="layer"/> is null or <paramref name="epsilon"/> is not positive and finite.</exception>
    public WeightStandardization(Conv2D layer, double epsilon = 1e-5, string? name = null)
        : base(name)
    {
        if (layer == null)
            throw new ArgumentException($"{Describe()}: expected a Conv2D layer to wrap, received null.");
        NormChecks.Epsilon(Describe(), epsilon);
        Layer = AddSublayer(layer);
        Epsilon = epsilon;
    }

    /// <summary>The wrapped convolution (its kernel is the raw, unstandardized one).</summary>
    public Conv2D Layer { get; }
    /// <summary>Added to the standard deviation.</summary>
    public double Epsilon { get; }

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        Layer.Build(inputShape);
        var k = Layer.Kernel!;
        if (k.Dims[0] * k.Dims[1] * k.Dims[2] <= 1)
            throw new ArgumentException($"{Describe()}: the kernel {Shapes.Format(k.Dims)} has one value per filter; its standard deviation is undefined.");
    }

    /// <summary>The standardized kernel, differentiable with respect to the raw one.</summary>
    /// <exception cref="InvalidOperationException">When the wrapped layer is not built yet.</exception>
    public Tensor StandardizedKernel()
    {
        var k = Layer.Kernel ?? throw new InvalidOperationException($"{Describe()}: the layer is not built yet.");
        int n = k.Dims[0] * k.Dims[1] * k.Dims[2];
        int[] axes = [0, 1, 2];
        var d = Ops.Sub(k, Ops.Mean(k, axes, keepDims: true));
        var std = Ops.Sqrt(Ops.Affine(Ops.Sum(Ops.Square(d), axes, keepDims: true), 1.0 / (n - 1)));
        return Ops.Div(d, Ops.Affine(std, 1, Epsilon));
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Layer.ForwardWithKernel(x, StandardizedKernel());

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => Layer.ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["layer"] = LayerRegistry.ToConfig(Layer);
        config["epsilon"] = Epsilon;
        return config;
    }

    internal static WeightStandardization FromConfig(JsonObject c, Func<JsonObject, Layer> layerFromConfig) =>
        new((Conv2D)layerFromConfig((JsonObject)c["layer"]!), c.GetDouble("epsilon", 1e-5), c.GetString("name"));
}

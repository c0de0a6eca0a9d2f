using System.Text.Json.Nodes;
using NormLab.Activations;
using NormLab.Constraints;
using NormLab.Initializers;
using NormLab.Kernels;
using NormLab.Regularizers;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// A 2-D convolution over NHWC input (channels last, as Keras). Weights: kernel (kh, kw, in, filters), bias (filters).
/// Padding "valid" or "same" with TensorFlow's rule (the odd extra row/column goes to the bottom/right).
/// </summary>
/// <example><code>new Conv2D(32, (3, 3), padding: "same", activation: "relu", inputShape: [28, 28, 1])</code></example>
public sealed class Conv2D : Layer
{
    private readonly KernelAndBias settings;
    private Tensor? kernel, bias;

    /// <summary>Creates the layer; arguments and defaults follow keras.layers.Conv2D (channels_last only).</summary>
    public Conv2D(int filters, Size2 kernelSize, Size2? strides = null, string padding = "valid", Size2? dilationRate = null,
        ActivationFunction? activation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null,
        int[]? inputShape = null, string? name = null)
        : base(name, inputShape)
    {
        if (filters < 1) throw new ArgumentException($"{Describe()}: filters must be >= 1, received {filters}.");
        Filters = filters;
        KernelSize = kernelSize;
        Strides = strides ?? 1;
        DilationRate = dilationRate ?? 1;
        if (KernelSize.Height < 1 || KernelSize.Width < 1 || Strides.Height < 1 || Strides.Width < 1 || DilationRate.Height < 1 || DilationRate.Width < 1)
            throw new ArgumentException($"{Describe()}: kernelSize, strides and dilationRate must be >= 1, received kernelSize {KernelSize}, strides {Strides}, dilationRate {DilationRate}.");
        if ((Strides.Height > 1 || Strides.Width > 1) && (DilationRate.Height > 1 || DilationRate.Width > 1))
            throw new ArgumentException($"{Describe()}: strides > 1 together with dilationRate > 1 is not supported (as in Keras), received strides {Strides} and dilationRate {DilationRate}.");
        Padding = PaddingName(padding, Describe());
        Activation = activation ?? "linear";
        UseBias = useBias;
        settings = KernelAndBias.WithDefaults(kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer, kernelConstraint, biasConstraint);
    }

    /// <summary>The number of output channels.</summary>
    public int Filters { get; }
    /// <summary>The kernel's (height, width).</summary>
    public Size2 KernelSize { get; }
    /// <summary>The step between windows.</summary>
    public Size2 Strides { get; }
    /// <summary>The spacing between kernel taps.</summary>
    public Size2 DilationRate { get; }
    /// <summary>"valid" or "same".</summary>
    public string Padding { get; }
    /// <summary>The activation applied to the output.</summary>
    public ActivationFunction Activation { get; }
    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }
    /// <summary>The (kh, kw, in, filters) kernel, once built.</summary>
    public Tensor? Kernel => kernel;
    /// <summary>The bias, once built.</summary>
    public Tensor? Bias => bias;

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        if (inputShape.Length != 4)
            throw new ArgumentException($"{Describe()}: expected input of rank 4 (batch, height, width, channels), received shape {Shapes.Format(inputShape)}.");
        if (inputShape[3] == 0)
            throw new ArgumentException($"{Describe()}: the input has 0 channels (shape {Shapes.Format(inputShape)}); a convolution needs at least one.");
        kernel = AddWeight(settings.Kernel, [KernelSize.Height, KernelSize.Width, inputShape[3], Filters]);
        if (UseBias) bias = AddWeight(settings.Bias, [Filters]);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var g = Geometry(x.Shape);
        // ReLU, the common case, is fused into the convolution (one pass over the output instead of two).
        if (Activation.Name == "relu") return Ops.Conv2D(x, kernel!, bias, g, relu: true);
        return Activation.Apply(Ops.Conv2D(x, kernel!, bias, g));
    }

    /// <summary>The layer's computation with another kernel (WeightNormalization), optionally without the activation.</summary>
    internal Tensor ForwardWithKernel(Tensor x, Tensor otherKernel, bool activation = true)
    {
        var z = Ops.Conv2D(x, otherKernel, bias, Geometry(x.Shape));
        return activation ? Activation.Apply(z) : z;
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        var g = Geometry(inputShape);
        return [inputShape[0], g.OutH, g.OutW, Filters];
    }

    internal Conv2DGeometry Geometry(int[] shape)
    {
        if (shape.Length != 4)
            throw new ArgumentException($"{Describe()}: expected input of rank 4 (batch, height, width, channels), received shape {Shapes.Format(shape)}.");
        if (kernel != null && shape[3] != kernel.Dims[2])
            throw new ArgumentException($"{Describe()}: expected {kernel.Dims[2]} input channels (last axis), received input of shape {Shapes.Format(shape)}.");
        var g = Conv2DGeometry.Create(shape[0], shape[1], shape[2], shape[3], KernelSize.Height, KernelSize.Width, Filters,
            Strides.Height, Strides.Width, DilationRate.Height, DilationRate.Width, Padding);
        if (g.OutH < 1 || g.OutW < 1)
            throw new ArgumentException($"{Describe()}: input of shape {Shapes.Format(shape)} is smaller than the kernel {KernelSize} (dilation {DilationRate}) with padding 'valid'.");
        return g;
    }

    internal static string PaddingName(string padding, string layer)
    {
        var lower = padding?.ToLowerInvariant();
        if (lower is "valid" or "same") return lower;
        throw new ArgumentException($"{layer}: padding must be 'valid' or 'same', received '{padding}'.");
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["filters"] = Filters;
        config["kernel_size"] = KernelSize.ToArray().ToJson();
        config["strides"] = Strides.ToArray().ToJson();
        config["padding"] = Padding;
        config["dilation_rate"] = DilationRate.ToArray().ToJson();
        config["activation"] = Activation.Name;
        config["use_bias"] = UseBias;
        settings.WriteTo(config);
        return config;
    }

    internal static Conv2D FromConfig(JsonObject c) => FromConfig(c, KernelAndBias.Read(c));

    private static Conv2D FromConfig(JsonObject c, KernelAndBias s) => new(
        c.GetInt("filters", 1), Size2.FromArray(c.GetInts("kernel_size")!), Size2.FromArray(c.GetInts("strides") ?? [1]),
        c.GetString("padding", "valid")!, Size2.FromArray(c.GetInts("dilation_rate") ?? [1]),
        c.GetString("activation", "linear")!, c.GetBool("use_bias", true),
        s.Kernel.Initializer, s.Bias.Initializer, s.Kernel.Regularizer, s.Bias.Regularizer, s.Kernel.Constraint, s.Bias.Constraint,
        name: c.GetString("name"));
}

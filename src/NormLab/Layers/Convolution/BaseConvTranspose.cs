using System.Text.Json.Nodes;
using NormLab.Activations;
using NormLab.Constraints;
using NormLab.Initializers;
using NormLab.Kernels;
using NormLab.Regularizers;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// The transposed convolution (<see cref="Conv1DTranspose"/>, <see cref="Conv2DTranspose"/>): the input gradient
/// of the convolution with the same window, as keras.layers.Conv2DTranspose. Weights: kernel (k..., filters, in)
/// and bias (filters). Output length per axis: in·stride for "same", in·stride + max(k_eff - stride, 0) for
/// "valid" (k_eff = (k - 1)·dilation + 1).
/// </summary>
public abstract class BaseConvTranspose : ConvolutionLayer
{
    private readonly KernelAndBias settings;
    private Tensor? kernel, bias;

    private protected BaseConvTranspose(int rank, int filters, Size2 kernelSize, Size2 strides, string padding, Size2 dilationRate,
        Size2? outputPadding, ActivationFunction? activation, bool useBias, Initializer? kernelInitializer, Initializer? biasInitializer,
        Regularizer? kernelRegularizer, Regularizer? biasRegularizer, Constraint? kernelConstraint, Constraint? biasConstraint,
        int[]? inputShape, string? name)
        : base(rank, kernelSize, strides, padding, dilationRate, activation, useBias, inputShape, name)
    {
        if (filters < 1) throw new ArgumentException($"{Describe()}: filters must be >= 1, received {filters}.");
        Filters = filters;
        // The output is the input gradient of a convolution from it, which sees only lengths within a stride.
        if (outputPadding is { } p && (p.Height < 0 || p.Width < 0 || p.Height >= Strides.Height || p.Width >= Strides.Width))
            throw new ArgumentException($"{Describe()}: outputPadding must be >= 0 and less than the strides ({Format(Strides)}), received {Format(p)}.");
        OutputPadding = outputPadding;
        settings = KernelAndBias.WithDefaults(kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer, kernelConstraint, biasConstraint);
    }

    /// <summary>The number of output channels.</summary>
    public int Filters { get; }
    /// <summary>The extra output length per axis (Keras's output_padding), or null for Keras's default sizes.</summary>
    public Size2? OutputPadding { get; }
    /// <summary>The (k..., filters, in) kernel, once built.</summary>
    public Tensor? Kernel => kernel;
    /// <summary>The bias, once built.</summary>
    public Tensor? Bias => bias;

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        var image = ImageShape(inputShape);
        TransposedGeometry(image);
        kernel = AddWeight(settings.Kernel, [.. SpatialKernel, Filters, image[3]]);
        if (UseBias) bias = AddWeight(settings.Bias, [Filters]);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var g = TransposedGeometry(ImageShape(x.Dims));
        var kernel4 = Rank == 1 ? Ops.Reshape(kernel!, [1, .. kernel!.Dims]) : kernel!;
        return Activation.Apply(FromImage(Ops.Conv2DTranspose(ToImage(x), kernel4, bias, g)));
    }

    /// <summary>
    /// The geometry of the convolution this layer transposes: from the output image (g.InH, g.InW, filters)
    /// to the input image (g.OutH, g.OutW, in).
    /// </summary>
    private Conv2DGeometry TransposedGeometry(int[] image)
    {
        if (kernel != null) RequireChannels(image, kernel.Dims[^1]);
        if (image[1] == 0 || image[2] == 0 || image[3] == 0)
            throw new ArgumentException($"{Describe()}: expected non-empty steps/rows and channels, received input of shape {Shapes.Format(FromImageShape(image))}.");
        int outH = OutputLength(0, image[1]);
        int outW = OutputLength(1, image[2]);
        var g = Geometry([image[0], outH, outW, Filters], Filters, image[3]);
        if (g.OutH != image[1] || g.OutW != image[2])
            throw new ArgumentException($"{Describe()}: an output of ({outH}, {outW}) does not map back to the input's ({image[1]}, {image[2]}) " +
                $"with kernel {Format(KernelSize)}, strides {Format(Strides)}, padding \"{Padding}\" and outputPadding {Format(OutputPadding!.Value)}; choose another outputPadding.");
        return g;
    }

    /// <summary>The output length along image axis 0 (height) or 1 (width) for an input of <paramref name="input"/> steps.</summary>
    internal int OutputLength(int axis, int input)
    {
        int kernelSize = axis == 0 ? KernelSize.Height : KernelSize.Width, stride = axis == 0 ? Strides.Height : Strides.Width;
        int dilation = axis == 0 ? DilationRate.Height : DilationRate.Width;
        int effective = (kernelSize - 1) * dilation + 1;
        if (OutputPadding is not { } p) return Padding == "same" ? input * stride : input * stride + Math.Max(effective - stride, 0);
        int pad = Padding == "same" ? effective / 2 : 0;
        return (input - 1) * stride + effective - 2 * pad + (axis == 0 ? p.Height : p.Width);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        var g = TransposedGeometry(ImageShape(inputShape));
        return FromImageShape([inputShape[0], g.InH, g.InW, Filters]);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["filters"] = Filters;
        WriteWindow(config);
        config["output_padding"] = OutputPadding is { } p ? ToJson(p) : null;
        WriteActivationAndBias(config);
        settings.WriteTo(config);
        return config;
    }

    /// <summary>The arguments of a saved config shared by Conv1DTranspose and Conv2DTranspose.</summary>
    private protected static (int Filters, Size2 Kernel, Size2 Strides, string Padding, Size2 Dilation, Size2? OutputPadding, string Activation, bool UseBias, KernelAndBias Settings, string? Name)
        ReadConfig(JsonObject c, int rank)
    {
        var (k, s, p, d) = ReadWindow(c, rank);
        var op = c.GetInts("output_padding");
        Size2? outputPadding = op == null ? null : rank == 1 ? new Size2(0, op[0]) : Size2.FromArray(op);
        return (c.GetInt("filters", 1), k, s, p, d, outputPadding, c.GetString("activation", "linear")!, c.GetBool("use_bias", true), KernelAndBias.Read(c), c.GetString("name"));
    }
}

using System.Text.Json.Nodes;
using NormLab.Activations;
using NormLab.Constraints;
using NormLab.Initializers;
using NormLab.Kernels;
using NormLab.Regularizers;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// The regular convolution (<see cref="Conv1D"/>, <see cref="Conv2D"/>): kernel (k..., in / groups, filters) and
/// bias (filters), as keras.layers.Conv1D/Conv2D. With <c>groups</c> &gt; 1 the channels and filters split into
/// that many parts, part i of the filters seeing only part i of the channels.
/// </summary>
public abstract class BaseConv : ConvolutionLayer
{
    private readonly KernelAndBias settings;
    private Tensor? kernel, bias;

    private protected BaseConv(int rank, int filters, Size2 kernelSize, Size2 strides, string padding, Size2 dilationRate, int groups,
        ActivationFunction? activation, bool useBias, Initializer? kernelInitializer, Initializer? biasInitializer,
        Regularizer? kernelRegularizer, Regularizer? biasRegularizer, Constraint? kernelConstraint, Constraint? biasConstraint,
        int[]? inputShape, string? name, bool causalAllowed = false)
        : base(rank, kernelSize, strides, padding, dilationRate, activation, useBias, inputShape, name, causalAllowed)
    {
        if (filters < 1) throw new ArgumentException($"{Describe()}: filters must be >= 1, received {filters}.");
        if (groups < 1 || filters % groups != 0)
            throw new ArgumentException($"{Describe()}: groups must be >= 1 and divide filters, received groups {groups} and filters {filters}.");
        Filters = filters;
        Groups = groups;
        settings = KernelAndBias.WithDefaults(kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer, kernelConstraint, biasConstraint);
    }

    /// <summary>The number of output channels.</summary>
    public int Filters { get; }
    /// <summary>The number of channel groups (1: every filter sees every channel).</summary>
    public int Groups { get; }
    /// <summary>The (k..., in / groups, filters) kernel, once built.</summary>
    public Tensor? Kernel => kernel;
    /// <summary>The bias, once built.</summary>
    public Tensor? Bias => bias;

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        var image = ImageShape(inputShape);
        Geometry(image, 1, 1);
        if (image[3] % Groups != 0)
            throw new ArgumentException($"{Describe()}: the number of input channels must be divisible by groups {Groups}, received input of shape {Shapes.Format(inputShape)}.");
        kernel = AddWeight(settings.Kernel, [.. SpatialKernel, image[3] / Groups, Filters]);
        if (UseBias) bias = AddWeight(settings.Bias, [Filters]);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => ForwardWithKernel(x, kernel!);

    /// <summary>The layer's computation with another kernel (WeightNormalization), optionally without the activation.</summary>
    internal Tensor ForwardWithKernel(Tensor x, Tensor otherKernel, bool activation = true)
    {
        var g = GroupGeometry(x.Dims);
        var image = ToImage(x);
        var kernel4 = Rank == 1 ? Ops.Reshape(otherKernel, [1, .. otherKernel.Dims]) : otherKernel;
        // ReLU, the common case, is fused into the convolution (one pass over the output instead of two).
        if (activation && Groups == 1 && Activation.Name == "relu") return FromImage(Ops.Conv2D(image, kernel4, bias, g, relu: true));
        var z = FromImage(Ops.GroupedConv2D(image, kernel4, bias, g, Groups));
        return activation ? Activation.Apply(z) : z;
    }

    /// <summary>The geometry of one group's convolution for an input shape, checked against the built kernel.</summary>
    internal Conv2DGeometry GroupGeometry(ReadOnlySpan<int> shape)
    {
        var image = ImageShape(shape);
        if (kernel != null) RequireChannels(image, kernel.Dims[^2] * Groups);
        return Geometry(image, image[3] / Groups, Filters / Groups);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        var g = GroupGeometry(inputShape);
        return FromImageShape([inputShape[0], g.OutH, g.OutW, Filters]);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["filters"] = Filters;
        WriteWindow(config);
        config["groups"] = Groups;
        WriteActivationAndBias(config);
        settings.WriteTo(config);
        return config;
    }

    /// <summary>The arguments of a saved config shared by Conv1D and Conv2D.</summary>
    private protected static (int Filters, Size2 Kernel, Size2 Strides, string Padding, Size2 Dilation, int Groups, string Activation, bool UseBias, KernelAndBias Settings, string? Name)
        ReadConfig(JsonObject c, int rank)
    {
        var (k, s, p, d) = ReadWindow(c, rank);
        return (c.GetInt("filters", 1), k, s, p, d, c.GetInt("groups", 1), c.GetString("activation", "linear")!, c.GetBool("use_bias", true),
            KernelAndBias.Read(c), c.GetString("name"));
    }
}

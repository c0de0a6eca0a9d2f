using System.Text.Json.Nodes;
using NormLab.Activations;
using NormLab.Constraints;
using NormLab.Initializers;
using NormLab.Kernels;
using NormLab.Regularizers;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// The depthwise-separable convolution (<see cref="SeparableConv1D"/>, <see cref="SeparableConv2D"/>): a depthwise
/// convolution (no bias) followed by a 1×1 convolution to <c>filters</c> channels, as keras.layers.SeparableConv2D.
/// Weights, in Keras's order: depthwise_kernel (k..., in, depthMultiplier), pointwise_kernel (1..., in·depthMultiplier, filters), bias (filters).
/// </summary>
public abstract class BaseSeparableConv : ConvolutionLayer
{
    private readonly WeightSettings depthwise, pointwise, biasSettings;
    private Tensor? depthwiseKernel, pointwiseKernel, bias;

    private protected BaseSeparableConv(int rank, int filters, Size2 kernelSize, Size2 strides, string padding, int depthMultiplier, Size2 dilationRate,
        ActivationFunction? activation, bool useBias, Initializer? depthwiseInitializer, Initializer? pointwiseInitializer, Initializer? biasInitializer,
        Regularizer? depthwiseRegularizer, Regularizer? pointwiseRegularizer, Regularizer? biasRegularizer,
        Constraint? depthwiseConstraint, Constraint? pointwiseConstraint, Constraint? biasConstraint, int[]? inputShape, string? name)
        : base(rank, kernelSize, strides, padding, dilationRate, activation, useBias, inputShape, name)
    {
        if (filters < 1) throw new ArgumentException($"{Describe()}: filters must be >= 1, received {filters}.");
        if (depthMultiplier < 1) throw new ArgumentException($"{Describe()}: depthMultiplier must be >= 1, received {depthMultiplier}.");
        Filters = filters;
        DepthMultiplier = depthMultiplier;
        depthwise = new("depthwise", depthwiseInitializer ?? "glorot_uniform", depthwiseRegularizer, depthwiseConstraint);
        pointwise = new("pointwise", pointwiseInitializer ?? "glorot_uniform", pointwiseRegularizer, pointwiseConstraint);
        biasSettings = new("bias", biasInitializer ?? "zeros", biasRegularizer, biasConstraint);
    }

    /// <summary>The number of output channels.</summary>
    public int Filters { get; }
    /// <summary>Depthwise filters per input channel.</summary>
    public int DepthMultiplier { get; }
    /// <summary>The (k..., in, depthMultiplier) kernel, once built.</summary>
    public Tensor? DepthwiseKernel => depthwiseKernel;
    /// <summary>The (1..., in·depthMultiplier, filters) kernel, once built.</summary>
    public Tensor? PointwiseKernel => pointwiseKernel;
    /// <summary>The bias, once built.</summary>
    public Tensor? Bias => bias;

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        var image = ImageShape(inputShape);
        Geometry(image, image[3], image[3]);
        int[] ones = Rank == 1 ? [1] : [1, 1];
        depthwiseKernel = AddWeight("depthwise_kernel", [.. SpatialKernel, image[3], DepthMultiplier], depthwise.Initializer, true, depthwise.Regularizer, depthwise.Constraint);
        pointwiseKernel = AddWeight("pointwise_kernel", [.. ones, image[3] * DepthMultiplier, Filters], pointwise.Initializer, true, pointwise.Regularizer, pointwise.Constraint);
        if (UseBias) bias = AddWeight(biasSettings, [Filters]);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var image = ImageShape(x.Dims);
        RequireChannels(image, depthwiseKernel!.Dims[^2]);
        var g = Geometry(image, image[3], image[3]);
        var dk = Rank == 1 ? Ops.Reshape(depthwiseKernel, [1, .. depthwiseKernel.Dims]) : depthwiseKernel;
        var pk = Rank == 1 ? Ops.Reshape(pointwiseKernel!, [1, .. pointwiseKernel!.Dims]) : pointwiseKernel!;
        var z = Ops.DepthwiseConv2D(ToImage(x), dk, null, g);
        var pointwiseGeometry = Conv2DGeometry.Create(g.Batch, g.OutH, g.OutW, z.Dims[3], 1, 1, Filters, 1, 1, 1, 1, "valid");
        bool relu = Activation.Name == "relu";
        var y = FromImage(Ops.Conv2D(z, pk, bias, pointwiseGeometry, relu));
        return relu ? y : Activation.Apply(y);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        var image = ImageShape(inputShape);
        if (depthwiseKernel != null) RequireChannels(image, depthwiseKernel.Dims[^2]);
        var g = Geometry(image, image[3], image[3]);
        return FromImageShape([inputShape[0], g.OutH, g.OutW, Filters]);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["filters"] = Filters;
        config["kernel_size"] = ToJson(KernelSize);
        config["strides"] = ToJson(Strides);
        config["padding"] = Padding;
        config["depth_multiplier"] = DepthMultiplier;
        config["dilation_rate"] = ToJson(DilationRate);
        WriteActivationAndBias(config);
        WeightSettings.WriteTo(config, depthwise, pointwise, biasSettings);
        return config;
    }

    /// <summary>The arguments of a saved config shared by SeparableConv1D and SeparableConv2D.</summary>
    private protected static (int Filters, Size2 Kernel, Size2 Strides, string Padding, int DepthMultiplier, Size2 Dilation, string Activation, bool UseBias,
        WeightSettings Depthwise, WeightSettings Pointwise, WeightSettings Bias, string? Name) ReadConfig(JsonObject c, int rank)
    {
        var (k, s, p, d) = ReadWindow(c, rank);
        return (c.GetInt("filters", 1), k, s, p, c.GetInt("depth_multiplier", 1), d, c.GetString("activation", "linear")!, c.GetBool("use_bias", true),
            WeightSettings.Read(c, "depthwise", "glorot_uniform"), WeightSettings.Read(c, "pointwise", "glorot_uniform"), WeightSettings.Read(c, "bias", "zeros"), c.GetString("name"));
    }
}

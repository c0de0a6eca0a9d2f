using System.Text.Json.Nodes;
using NormLab.Activations;
using NormLab.Constraints;
using NormLab.Initializers;
using NormLab.Regularizers;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// The depthwise convolution (<see cref="DepthwiseConv1D"/>, <see cref="DepthwiseConv2D"/>): each input channel
/// convolved with its own <c>depthMultiplier</c> filters, output channel c·depthMultiplier + m, as
/// keras.layers.DepthwiseConv2D. Weights: depthwise_kernel (k..., in, depthMultiplier), bias (in·depthMultiplier).
/// </summary>
public abstract class BaseDepthwiseConv : ConvolutionLayer
{
    private readonly WeightSettings depthwise, biasSettings;
    private Tensor? kernel, bias;

    private protected BaseDepthwiseConv(int rank, Size2 kernelSize, Size2 strides, string padding, int depthMultiplier, Size2 dilationRate,
        ActivationFunction? activation, bool useBias, Initializer? depthwiseInitializer, Initializer? biasInitializer,
        Regularizer? depthwiseRegularizer, Regularizer? biasRegularizer, Constraint? depthwiseConstraint, Constraint? biasConstraint,
        int[]? inputShape, string? name)
        : base(rank, kernelSize, strides, padding, dilationRate, activation, useBias, inputShape, name)
    {
        if (depthMultiplier < 1) throw new ArgumentException($"{Describe()}: depthMultiplier must be >= 1, received {depthMultiplier}.");
        DepthMultiplier = depthMultiplier;
        depthwise = new("depthwise", depthwiseInitializer ?? "glorot_uniform", depthwiseRegularizer, depthwiseConstraint);
        biasSettings = new("bias", biasInitializer ?? "zeros", biasRegularizer, biasConstraint);
    }

    /// <summary>Filters per input channel.</summary>
    public int DepthMultiplier { get; }
    /// <summary>The (k..., in, depthMultiplier) kernel, once built.</summary>
    public Tensor? DepthwiseKernel => kernel;
    /// <summary>The bias, once built.</summary>
    public Tensor? Bias => bias;

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        var image = ImageShape(inputShape);
        Geometry(image, image[3], image[3]);
        kernel = AddWeight("depthwise_kernel", [.. SpatialKernel, image[3], DepthMultiplier], depthwise.Initializer, true, depthwise.Regularizer, depthwise.Constraint);
        if (UseBias) bias = AddWeight(biasSettings, [image[3] * DepthMultiplier]);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var image = ImageShape(x.Dims);
        RequireChannels(image, kernel!.Dims[^2]);
        var kernel4 = Rank == 1 ? Ops.Reshape(kernel, [1, .. kernel.Dims]) : kernel;
        return Activation.Apply(FromImage(Ops.DepthwiseConv2D(ToImage(x), kernel4, bias, Geometry(image, image[3], image[3]))));
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        var image = ImageShape(inputShape);
        if (kernel != null) RequireChannels(image, kernel.Dims[^2]);
        var g = Geometry(image, image[3], image[3]);
        return FromImageShape([inputShape[0], g.OutH, g.OutW, image[3] * DepthMultiplier]);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["kernel_size"] = ToJson(KernelSize);
        config["strides"] = ToJson(Strides);
        config["padding"] = Padding;
        config["depth_multiplier"] = DepthMultiplier;
        config["dilation_rate"] = ToJson(DilationRate);
        WriteActivationAndBias(config);
        WeightSettings.WriteTo(config, depthwise, biasSettings);
        return config;
    }

    /// <summary>The arguments of a saved config shared by DepthwiseConv1D and DepthwiseConv2D.</summary>
    private protected static (Size2 Kernel, Size2 Strides, string Padding, int DepthMultiplier, Size2 Dilation, string Activation, bool UseBias,
        WeightSettings Depthwise, WeightSettings Bias, string? Name) ReadConfig(JsonObject c, int rank)
    {
        var (k, s, p, d) = ReadWindow(c, rank);
        return (k, s, p, c.GetInt("depth_multiplier", 1), d, c.GetString("activation", "linear")!, c.GetBool("use_bias", true),
            WeightSettings.Read(c, "depthwise", "glorot_uniform"), WeightSettings.Read(c, "bias", "zeros"), c.GetString("name"));
    }
}

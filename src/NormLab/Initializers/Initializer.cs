using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Initializers;

/// <summary>
/// Creates the initial value of a weight, with Keras semantics. Strings work wherever an
/// initializer is expected: <c>kernelInitializer: "he_normal"</c>.
/// Valid names: zeros, ones, constant, uniform / random_uniform, normal / random_normal,
/// truncated_normal, glorot_uniform, glorot_normal, he_normal, he_uniform, lecun_normal,
/// lecun_uniform, orthogonal.
/// </summary>
public abstract class Initializer
{
    private static readonly NamedRegistry<Initializer> Registry = new("initializer", new()
    {
        ["zeros"] = _ => new Constant(0),
        ["ones"] = _ => new Constant(1),
        ["constant"] = c => new Constant(c.GetDouble("value", 0)),
        ["uniform"] = c => new RandomUniform(c.GetDouble("minval", -0.05), c.GetDouble("maxval", 0.05)),
        ["random_uniform"] = c => new RandomUniform(c.GetDouble("minval", -0.05), c.GetDouble("maxval", 0.05)),
        ["RandomUniform"] = c => new RandomUniform(c.GetDouble("minval", -0.05), c.GetDouble("maxval", 0.05)),
        ["normal"] = c => new RandomNormal(c.GetDouble("mean", 0), c.GetDouble("stddev", 0.05)),
        ["random_normal"] = c => new RandomNormal(c.GetDouble("mean", 0), c.GetDouble("stddev", 0.05)),
        ["RandomNormal"] = c => new RandomNormal(c.GetDouble("mean", 0), c.GetDouble("stddev", 0.05)),
        ["truncated_normal"] = c => new RandomNormal(c.GetDouble("mean", 0), c.GetDouble("stddev", 0.05), truncated: true),
        ["TruncatedNormal"] = c => new RandomNormal(c.GetDouble("mean", 0), c.GetDouble("stddev", 0.05), truncated: true),
        ["glorot_uniform"] = _ => VarianceScaling.GlorotUniform(),
        ["glorot_normal"] = _ => VarianceScaling.GlorotNormal(),
        ["he_normal"] = _ => VarianceScaling.HeNormal(),
        ["he_uniform"] = _ => VarianceScaling.HeUniform(),
        ["lecun_normal"] = _ => new VarianceScaling(1, FanMode.FanIn, Distribution.TruncatedNormal),
        ["lecun_uniform"] = _ => new VarianceScaling(1, FanMode.FanIn, Distribution.Uniform),
        ["VarianceScaling"] = VarianceScaling.FromConfig,
        ["orthogonal"] = c => new Orthogonal(c.GetDouble("gain", 1)),
    });

    /// <summary>A new tensor of the given shape holding initial values.</summary>
    /// <param name="shape">Shape of the weight, e.g. (inputDim, units) for a Dense kernel; the fans are read from it.</param>
    public Tensor Create(int[] shape)
    {
        var tensor = Tensor.Zeros(shape);
        Fill(tensor.Data, shape);
        return tensor;
    }

    /// <summary>Writes initial values for a weight of <paramref name="shape"/> into <paramref name="target"/>.</summary>
    /// <param name="target">Row-major buffer of the weight's values, length prod(<paramref name="shape"/>), zero on entry.</param>
    /// <param name="shape">Shape of the weight the buffer holds.</param>
    protected abstract void Fill(float[] target, int[] shape);

    /// <summary>The saved form: <c>{"class_name", "config"}</c>.</summary>
    public abstract JsonObject GetConfig();

    /// <summary>The initializer with this Keras name and default arguments.</summary>
    /// <param name="name">A Keras initializer name such as "glorot_uniform", "he_normal", "zeros" or "orthogonal".</param>
    /// <exception cref="ArgumentException">When the name is unknown; the message lists the valid names.</exception>
    public static Initializer Get(string name) => Registry.Get(name);

    /// <summary>Rebuilds an initializer from <see cref="GetConfig"/>'s output.</summary>
    /// <param name="config">A Keras name string or a <c>{"class_name", "config"}</c> object as saved in a model file.</param>
    public static Initializer FromConfig(JsonNode? config) => Registry.FromConfig(config);

    /// <summary>Lets a Keras name be written where an initializer is expected.</summary>
    /// <param name="name">A Keras initializer name, e.g. <c>kernelInitializer: "he_normal"</c>.</param>
    public static implicit operator Initializer(string name) => Get(name);

    /// <summary>Keras's fan computation: (in, out) for matrices, receptive field times channels for kernels.</summary>
    internal static (double fanIn, double fanOut) Fans(int[] shape)
    {
        if (shape.Length == 0) return (1, 1);
        if (shape.Length == 1) return (shape[0], shape[0]);
        if (shape.Length == 2) return (shape[0], shape[1]);
        double receptive = 1;
        for (int i = 0; i < shape.Length - 2; i++) receptive *= shape[i];
        return (shape[^2] * receptive, shape[^1] * receptive);
    }
}

/// <summary>Every value equal to <see cref="Value"/> (Keras's Zeros, Ones and Constant).</summary>
/// <param name="value">The value every element receives (Keras <c>value</c>; 0 for "zeros", 1 for "ones").</param>
public sealed class Constant(double value) : Initializer
{
    /// <summary>The value written.</summary>
    public double Value { get; } = value;

    /// <inheritdoc/>
    protected override void Fill(float[] target, int[] shape) => Array.Fill(target, (float)Value);

    /// <inheritdoc/>
    public override JsonObject GetConfig() => NamedRegistry<Initializer>.ToConfig("Constant", new() { ["value"] = Value });
}

/// <summary>Uniform in [minval, maxval) (Keras's RandomUniform; the "uniform" default is ±0.05).</summary>
/// <param name="minval">Inclusive lower bound; default -0.05.</param>
/// <param name="maxval">Exclusive upper bound; default 0.05.</param>
public sealed class RandomUniform(double minval = -0.05, double maxval = 0.05) : Initializer
{
    /// <inheritdoc/>
    protected override void Fill(float[] target, int[] shape) => NormLabRandom.FillUniform(target, minval, maxval);

    /// <inheritdoc/>
    public override JsonObject GetConfig() =>
        NamedRegistry<Initializer>.ToConfig("RandomUniform", new() { ["minval"] = minval, ["maxval"] = maxval });
}

/// <summary>Normal samples (Keras's RandomNormal; TruncatedNormal redraws beyond two standard deviations).</summary>
/// <param name="mean">Mean of the samples; default 0.</param>
/// <param name="stddev">Standard deviation of the untruncated normal; default 0.05.</param>
/// <param name="truncated">Redraw samples more than two standard deviations from the mean (Keras's TruncatedNormal); default false.</param>
public sealed class RandomNormal(double mean = 0, double stddev = 0.05, bool truncated = false) : Initializer
{
    /// <inheritdoc/>
    protected override void Fill(float[] target, int[] shape)
    {
        if (truncated) NormLabRandom.FillTruncatedNormal(target, mean, stddev);
        else NormLabRandom.FillNormal(target, mean, stddev);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() =>
        NamedRegistry<Initializer>.ToConfig(truncated ? "TruncatedNormal" : "RandomNormal", new() { ["mean"] = mean, ["stddev"] = stddev });
}

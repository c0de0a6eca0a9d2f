using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Local response normalization across channels (channels last), in TensorFlow's convention
/// (<c>tf.nn.local_response_normalization</c>, same defaults):
/// <c>y[c] = x[c] / (bias + alpha * sum_{c' = c - depthRadius}^{c + depthRadius} x[c']²)^beta</c>.
/// </summary>
/// <remarks>
/// <para>The window has <c>2 * depthRadius + 1</c> channels, is clipped at the borders, and alpha is
/// <b>not</b> divided by the window size (as TF and the AlexNet paper). PyTorch's
/// <c>LocalResponseNorm(size, alpha, beta, k)</c> and Caffe divide alpha by <c>size</c>: to port
/// their values use <c>depthRadius = (size - 1) / 2</c> (odd size) and <c>alpha = alpha_torch / size</c>
/// (PyTorch also zero-pads, so its divisor stays <c>size</c> at the borders, which the clipped
/// window here matches exactly since the padded terms are 0).</para>
/// <para>No weights. Any input rank >= 2; the last axis is the channel axis. Same in training and
/// inference.</para>
/// </remarks>
/// <example><code>new LocalResponseNormalization(depthRadius: 2, bias: 2, alpha: 1e-4, beta: 0.75) // AlexNet</code></example>
public sealed class LocalResponseNormalization : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="depthRadius">Channels on each side in the sum (default 5).</param>
    /// <param name="bias">The added constant k (default 1).</param>
    /// <param name="alpha">The scale of the sum of squares (default 1).</param>
    /// <param name="beta">The exponent (default 0.5).</param>
    /// <param name="inputShape">Optional input shape without the batch dimension, for the first layer of a model.</param>
    /// <param name="name">Optional layer name; a unique one from the class name when null.</param>
    /// <exception cref="ArgumentException">When <paramref name="depthRadius"/> is negative, <paramref name="bias"/> is not &gt; 0, <paramref name="alpha"/> is negative or NaN, or <paramref name="beta"/> is NaN.</exception>
    public LocalResponseNormalization(int depthRadius = 5, double bias = 1, double alpha = 1, double beta = 0.5,
        int[]? inputShape = null, string? name = null)
        : base(name, inputShape)
    {
        if (depthRadius < 0)
            throw new ArgumentException($"{Describe()}: depthRadius must be >= 0. Received: depthRadius={depthRadius}");
        if (!(bias > 0) || alpha < 0 || double.IsNaN(alpha) || double.IsNaN(beta))
            throw new ArgumentException($"{Describe()}: expected bias > 0 and alpha >= 0 so that the base of the power stays positive. Received: bias={bias}, alpha={alpha}, beta={beta}");
        DepthRadius = depthRadius;
        Bias = bias;
        Alpha = alpha;
        Beta = beta;
    }

    /// <summary>Half-width of the channel window.</summary>
    public int DepthRadius { get; }
    /// <summary>The offset k.</summary>
    public double Bias { get; }
    /// <summary>The scale of the sum of squares (not divided by the window size).</summary>
    public double Alpha { get; }
    /// <summary>The exponent.</summary>
    public double Beta { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        RequireRank(x, 2);
        return Ops.LocalResponseNorm(x, DepthRadius, Bias, Alpha, Beta);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => (int[])inputShape.Clone();

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["depth_radius"] = DepthRadius;
        config["bias"] = Bias;
        config["alpha"] = Alpha;
        config["beta"] = Beta;
        return config;
    }

    internal static LocalResponseNormalization FromConfig(JsonObject c) => new(
        c.GetInt("depth_radius", 5), c.GetDouble("bias", 1), c.GetDouble("alpha", 1), c.GetDouble("beta", 0.5), name: c.GetString("name"));
}

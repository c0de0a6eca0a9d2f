using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Keras's SpectralNormalization wrapper: in training, estimates the largest singular value sigma of
/// the wrapped layer's kernel by power iteration and <b>overwrites</b> the kernel with kernel / sigma
/// (and <c>vector_u</c> with the new estimate) before calling the layer. Inference does not normalize:
/// it uses whatever the kernel holds. PyTorch instead keeps the raw weight and divides on every call.
/// </summary>
/// <remarks>An all-zero kernel is left unchanged. A kernel containing NaN or infinity gives a NaN
/// sigma, and the kernel and vector_u become NaN (as in Keras); check the kernel if outputs turn NaN.</remarks>
/// <example><code>var sn = new SpectralNormalization(new Dense(10));</code></example>
public sealed class SpectralNormalization : Layer
{
    private Tensor? vectorU;

    /// <summary>Wraps <paramref name="layer"/> (Dense, Conv2D or Embedding).</summary>
    /// <param name="layer">The layer whose kernel is divided by its largest singular value (Dense, Conv, ...).</param>
    /// <param name="powerIterations">Power-iteration steps per training call (default 1).</param>
    /// <param name="name">Optional layer name; a unique one from the class name when null.</param>
    /// <exception cref="ArgumentException">When <paramref name="layer"/> is null or <paramref name="powerIterations"/> is below 1.</exception>
    public SpectralNormalization(Layer layer, int powerIterations = 1, string? name = null)
        : base(name)
    {
        if (layer == null)
            throw new ArgumentException($"{Describe()}: Layer None supplied to Wrapper isn't a supported layer type. Please ensure wrapped layer is a valid Keras layer.");
        if (powerIterations <= 0)
            throw new ArgumentException($"{Describe()}: `power_iterations` should be greater than zero. Received: `power_iterations={powerIterations}`");
        Layer = AddSublayer(layer);
        PowerIterations = powerIterations;
    }

    /// <summary>The wrapped layer.</summary>
    public Layer Layer { get; }
    /// <summary>Power-iteration steps per training call.</summary>
    public int PowerIterations { get; }
    /// <summary>The running left singular vector estimate, shape (1, out).</summary>
    public Tensor? VectorU => vectorU;

    /// <summary>The wrapped layer's kernel (or embeddings).</summary>
    public Tensor? Kernel => KernelOf(Layer);

    private static Tensor? KernelOf(Layer layer) => layer switch
    {
        Dense d => d.Kernel,
        Conv2D c => c.Kernel,
        Embedding e => e.Embeddings,
        _ => null,
    };

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        Layer.Build(inputShape);
        var kernel = KernelOf(Layer)
            ?? throw new ArgumentException($"{Describe()}: {Layer.GetType().Name} object has no attribute 'kernel' nor 'embeddings'");
        TrackWeight(kernel);
        vectorU = AddWeight("vector_u", [1, kernel.Dims[^1]], new Initializers.RandomNormal(0, 0.02, truncated: true), trainable: false);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (training) NormalizeKernel();
        return Layer.Call(x, training);
    }

    /// <summary>One training-time update: kernel ← kernel / sigma, vector_u ← u.</summary>
    internal void NormalizeKernel()
    {
        var kernel = KernelOf(Layer)!;
        PowerIteration(kernel.Data, kernel.Dims[^1], vectorU!.Data, PowerIterations);
    }

    /// <summary>
    /// Keras's power iteration on W = reshape(kernel, [-1, out]) (in double), in place:
    /// <code>
    /// repeat n: v = normalize(u @ W^T); u = normalize(v @ W)
    /// sigma = (v @ W) @ u^T;  kernel /= sigma;  vector_u = u
    /// </code>
    /// Returns sigma, or 0 and no change for an all-zero kernel.
    /// </summary>
    internal static double PowerIteration(float[] w, int outDim, float[] vectorU, int iterations)
    {
        if (w.All(z => z == 0)) return 0;
        int rows = w.Length / outDim;
        var u = vectorU.Select(z => (double)z).ToArray();
        var v = new double[rows];
        for (int it = 0; it < iterations; it++)
        {
            for (int r = 0; r < rows; r++)
            {
                double s = 0;
                for (int o = 0; o < outDim; o++) s += u[o] * w[r * outDim + o];
                v[r] = s;
            }
            L2Normalize(v);
            Array.Clear(u);
            for (int r = 0; r < rows; r++)
                for (int o = 0; o < outDim; o++) u[o] += v[r] * w[r * outDim + o];
            L2Normalize(u);
        }
        double sigma = 0;
        for (int o = 0; o < outDim; o++)
        {
            double vw = 0;
            for (int r = 0; r < rows; r++) vw += v[r] * w[r * outDim + o];
            sigma += vw * u[o];
        }
        for (int i = 0; i < w.Length; i++) w[i] = (float)(w[i] / sigma);
        for (int o = 0; o < outDim; o++) vectorU[o] = (float)u[o];
        return sigma;
    }

    private static void L2Normalize(double[] a)
    {
        double n = Math.Sqrt(a.Sum(z => z * z));
        double d = Math.Max(n, 1e-7);
        for (int i = 0; i < a.Length; i++) a[i] /= d;
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => Layer.ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["layer"] = LayerRegistry.ToConfig(Layer);
        config["power_iterations"] = PowerIterations;
        return config;
    }

    internal static SpectralNormalization FromConfig(JsonObject c, Func<JsonObject, Layer> layerFromConfig) =>
        new(layerFromConfig((JsonObject)c["layer"]!), c.GetInt("power_iterations", 1), c.GetString("name"));
}

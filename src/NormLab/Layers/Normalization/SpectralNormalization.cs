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

    /// <summary>Wraps <paramref name="layer"/> (Dense; Conv2D and Embedding when available).</summary>
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
        _ => null,
    };

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        Layer.Build(inputShape);
        var kernel = KernelOf(Layer)
            ?? throw new ArgumentException($"{Describe()}: {Layer.GetType().Name} object has no attribute 'kernel' nor 'embeddings'");
        vectorU = AddWeight("vector_u", [1, kernel.Dims[^1]], new Initializers.RandomNormal(0, 0.02, truncated: true), trainable: false);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (training) NormalizeKernel();
        return Layer.Call(x, training);
    }

    /// <summary>One power iteration update: kernel ← kernel / sigma, vector_u ← u.</summary>
    internal void NormalizeKernel()
    {
        var kernel = KernelOf(Layer)!;
        var w = kernel.Data;
        if (w.All(v => v == 0)) return;
        int outDim = kernel.Dims[^1], rows = w.Length / outDim;
        var u = vectorU!.Data.Select(v => (double)v).ToArray();
        var v = new double[rows];
        for (int it = 0; it < PowerIterations; it++)
        {
            // v = normalize(u @ W^T); u = normalize(v @ W)
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
        // sigma = (v @ W) @ u^T
        double sigma = 0;
        for (int o = 0; o < outDim; o++)
        {
            double vw = 0;
            for (int r = 0; r < rows; r++) vw += v[r] * w[r * outDim + o];
            sigma += vw * u[o];
        }
        for (int i = 0; i < w.Length; i++) w[i] = (float)(w[i] / sigma);
        for (int o = 0; o < outDim; o++) vectorU.Data[o] = (float)u[o];
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
        config["layer"] = new JsonObject { ["class_name"] = Layer.GetType().Name, ["config"] = Layer.GetConfig() };
        config["power_iterations"] = PowerIterations;
        return config;
    }

    internal static SpectralNormalization FromConfig(JsonObject c, Func<JsonObject, Layer> layerFromConfig) =>
        new(layerFromConfig((JsonObject)c["layer"]!), c.GetInt("power_iterations", 1), c.GetString("name"));
}

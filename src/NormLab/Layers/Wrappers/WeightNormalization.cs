using System.Text.Json.Nodes;
using NormLab.Autograd;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Weight normalization (Salimans and Kingma 2016): the wrapped layer's kernel v is used as
/// <c>w = g * v / ||v||</c>, with the norm taken per output unit (over every kernel axis but the last),
/// so that the direction (v) and the length (g) of each unit's weight vector are trained separately.
/// </summary>
/// <remarks>
/// <para>Wraps <see cref="Dense"/>, <see cref="Conv2D"/> (HWIO kernel: norm over H, W, I) and <see cref="LSTM"/>
/// (its input kernel, one norm per column of the 4 * units gate projections; the recurrent kernel is left alone).</para>
/// <para><b>Initialization.</b> g starts at ||v||, so the wrapped function is unchanged (as PyTorch's
/// <c>weight_norm</c>). With <c>dataInit: true</c> (Dense and Conv2D), the first <i>training</i> call does the
/// paper's data-dependent initialization on its batch: the pre-activations t = x * (v / ||v||) (no bias, no
/// activation) get their mean m and variance s^2 per output unit, then <c>g = 1 / sqrt(s^2 + 1e-10)</c> and
/// <c>bias = -m * g</c>, so that the pre-activations of that batch have mean 0 and variance 1; the call then
/// proceeds with the new values. Without a bias only g is set. An LSTM wrapper skips data init (the paper's
/// procedure is for feed-forward layers; the recurrent pre-activations also depend on the state).
/// The "initialized" flag is a saved weight, so a loaded model is not initialized again.</para>
/// <para><b>No epsilon</b>, as the reference and PyTorch: a unit whose v is all zero gives NaN.</para>
/// <para>Gradients (fused op): <c>dg = sum dw * v / ||v||</c>, <c>dv = g / ||v|| * (dw - vhat * (vhat . dw))</c>.</para>
/// <para>Weights, in order: g (out), initialized (1, non-trainable), then the wrapped layer's (kernel = v, bias, ...).</para>
/// </remarks>
/// <example><code>var wn = new WeightNormalization(new Dense(64, activation: "relu"));
/// model.Fit(x, y); var plain = wn.Remove(); // a Dense with the folded kernel</code></example>
public sealed class WeightNormalization : Layer
{
    private Tensor? g, initialized;

    /// <summary>Wraps <paramref name="layer"/> (Dense, Conv2D or LSTM).</summary>
    /// <param name="layer">The layer whose kernel is reparameterized as g * v / ||v||.</param>
    /// <param name="dataInit">Initialize g and the bias from the first batch's statistics (Salimans and Kingma; default true).</param>
    /// <param name="name">Optional layer name; a unique one from the class name when null.</param>
    /// <exception cref="ArgumentException">When <paramref name="layer"/> is null or not a Dense, Conv2D or LSTM layer.</exception>
    public WeightNormalization(Layer layer, bool dataInit = true, string? name = null)
        : base(name)
    {
        if (layer is not (Dense or Conv2D or LSTM))
            throw new ArgumentException($"{Describe()}: the wrapped layer must be a Dense, Conv2D or LSTM layer. Received: {(layer == null ? "null" : $"{layer.GetType().Name} '{layer.Name}'")}.");
        Layer = AddSublayer(layer);
        DataInit = dataInit;
    }

    /// <summary>The wrapped layer (its kernel is v).</summary>
    public Layer Layer { get; }
    /// <summary>Whether the first training batch initializes g and the bias.</summary>
    public bool DataInit { get; }
    /// <summary>The per-unit lengths g (null before build).</summary>
    public Tensor? G => g;
    /// <summary>The direction parameter v: the wrapped layer's kernel.</summary>
    public Tensor? V => KernelOf(Layer);
    /// <summary>Whether the data-dependent initialization has run.</summary>
    public bool Initialized => initialized != null && initialized.Data[0] != 0;

    private static Tensor? KernelOf(Layer layer) => layer switch
    {
        Dense d => d.Kernel,
        Conv2D c => c.Kernel,
        LSTM l => l.Kernel,
        _ => null,
    };

    private static Tensor? BiasOf(Layer layer) => layer switch
    {
        Dense d => d.Bias,
        Conv2D c => c.Bias,
        _ => null,
    };

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        Layer.Build(inputShape);
        var v = KernelOf(Layer)!;
        int units = v.Dims[^1];
        g = AddWeight("g", [units], "ones");
        initialized = AddWeight("initialized", [1], "zeros", trainable: false);
        var norms = ColumnNorms(v.Data, units);
        for (int o = 0; o < units; o++) g.Data[o] = (float)norms[o];
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (training && DataInit && !Initialized && Layer is not LSTM) InitializeFromData(x);
        var w = Ops.WeightNorm(KernelOf(Layer)!, g!);
        return Layer switch
        {
            Dense d => d.ForwardWithKernel(x, w),
            Conv2D c => c.ForwardWithKernel(x, w),
            LSTM l => l.ForwardWithKernel(x, w),
            _ => throw new InvalidOperationException(),
        };
    }

    /// <summary>The paper's data-dependent initialization on <paramref name="x"/> (see the remarks).</summary>
    private void InitializeFromData(Tensor x)
    {
        if (x.Size == 0)
            throw new InvalidOperationException($"{Describe()}: the data-dependent initialization needs a non-empty first training batch, received input shape {Shapes.Format(x.Dims)}.");
        var v = KernelOf(Layer)!; var bias = BiasOf(Layer);
        int units = v.Dims[^1];
        using (Tape.NoGrad())
        {
            var savedG = g!.ToArray();
            var savedBias = bias?.ToArray();
            Array.Fill(g.Data, 1f);
            if (bias != null) Array.Clear(bias.Data);
            var w = Ops.WeightNorm(v, g);
            var t = Layer is Dense d ? d.ForwardWithKernel(x, w, activation: false) : ((Conv2D)Layer).ForwardWithKernel(x, w, activation: false);
            var mean = new double[units]; var variance = new double[units];
            Kernels.Moments.Compute(t.Data, 1, t.Size / units, units, 1, mean, variance);
            if (!mean.All(double.IsFinite) || !variance.All(double.IsFinite))
            {
                savedG.CopyTo(g.Data, 0);
                savedBias?.CopyTo(bias!.Data, 0);
                throw new InvalidOperationException($"{Describe()}: the data-dependent initialization got non-finite pre-activation statistics (the first training batch contains NaN or infinity); g and the bias were left unchanged.");
            }
            for (int o = 0; o < units; o++)
            {
                double scale = 1 / Math.Sqrt(variance[o] + 1e-10);
                g.Data[o] = (float)scale;
                if (bias != null) bias.Data[o] = (float)(-mean[o] * scale);
            }
        }
        initialized!.Data[0] = 1;
    }

    /// <summary>
    /// Folds g * v / ||v|| into the wrapped layer's kernel and returns that layer, which then computes
    /// exactly what this wrapper computed. The wrapper must not be used afterwards.
    /// </summary>
    public Layer Remove()
    {
        if (!Built) return Layer;
        var v = KernelOf(Layer)!;
        using (Tape.NoGrad())
        {
            var w = Ops.WeightNorm(v, g!);
            w.Data.CopyTo(v.Data, 0);
        }
        return Layer;
    }

    /// <summary>Per-unit L2 norms of a kernel whose last axis is the unit.</summary>
    internal static double[] ColumnNorms(float[] v, int units)
    {
        var n = new double[units];
        for (int i = 0; i < v.Length; i++) { double z = v[i]; n[i % units] += z * z; }
        for (int o = 0; o < units; o++) n[o] = Math.Sqrt(n[o]);
        return n;
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => Layer.ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["layer"] = LayerRegistry.ToConfig(Layer);
        config["data_init"] = DataInit;
        return config;
    }

    internal static WeightNormalization FromConfig(JsonObject c, Func<JsonObject, Layer> layerFromConfig) =>
        new(layerFromConfig((JsonObject)c["layer"]!), c.GetBool("data_init", true), c.GetString("name"));
}

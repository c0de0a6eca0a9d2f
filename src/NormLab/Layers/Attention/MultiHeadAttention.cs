using System.Text.Json.Nodes;
using NormLab.Initializers;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Multi-head attention (Vaswani et al. 2017) with Keras's weights and arguments: query, key and value
/// projections with kernels (dim, numHeads, keyDim) / (dim, numHeads, valueDim) and biases (numHeads, depth),
/// scaled dot-product attention per head (queries scaled by 1/√keyDim, masked softmax, dropout on the
/// probabilities), and an output projection with kernel (numHeads, valueDim, outputShape) and bias (outputShape).
/// Weights in Keras's order: query, key, value, attention_output, each kernel then bias. The attention itself
/// is one fused kernel over (batch, head) (<see cref="Kernels.AttentionKernel"/>). Masks: see
/// <see cref="AttentionLayer"/>; the output carries the query's mask.
/// With <c>qkNorm</c> (not in Keras) queries and keys are normalized per head over their keyDim features before
/// the dot product: "layer" and "rms" (Dehghani et al. 2023, Wortsman et al. 2023's qk-layernorm; one LayerNorm or
/// RMSNorm of keyDim features shared by the heads, epsilon 1e-5, weights <c>query_norm/*</c> then <c>key_norm/*</c>)
/// keep the 1/√keyDim scale; "l2" (Henry et al. 2020) L2-normalizes both and replaces 1/√keyDim by a learned
/// scalar <c>qk_scale</c> g, initialized to log2(L² − L) with L the key length seen at build.
/// </summary>
/// <example><code>
/// var mha = new MultiHeadAttention(numHeads: 4, keyDim: 16);
/// Tensor y = mha.Call(query, value);                       // (batch, Tq, dim)
/// var (y2, scores) = mha.CallWithScores(x, x, useCausalMask: true);
/// </code></example>
public sealed class MultiHeadAttention : AttentionLayer
{
    private readonly Initializer kernelInitializer, biasInitializer;
    internal static readonly string[] QkNorms = ["layer", "rms", "l2"];
    internal const double QkEpsilon = 1e-5;
    private Tensor? queryKernel, queryBias, keyKernel, keyBias, valueKernel, valueBias, outputKernel, outputBias;
    private Tensor? queryNormScale, queryNormOffset, keyNormScale, keyNormOffset, qkScale;

    /// <summary>Creates the layer; arguments and defaults follow keras.layers.MultiHeadAttention.</summary>
    /// <param name="numHeads">The number of attention heads.</param>
    /// <param name="keyDim">The size of each head's queries and keys.</param>
    /// <param name="valueDim">The size of each head's values (keyDim when null).</param>
    /// <param name="dropout">The fraction of attention probabilities dropped in training (0).</param>
    /// <param name="useBias">Whether the projections have biases (true).</param>
    /// <param name="outputShape">The output's last dimension (the query's when null).</param>
    /// <param name="kernelInitializer">The kernels' initializer (glorot_uniform).</param>
    /// <param name="biasInitializer">The biases' initializer (zeros).</param>
    /// <param name="name">The layer's name.</param>
    /// <param name="qkNorm">Normalizes queries and keys per head: "layer", "rms", "l2" or null for none (the default;
    /// not a Keras argument).</param>
    /// <exception cref="ArgumentException">When <paramref name="qkNorm"/> is not "layer", "rms", "l2" or null, <paramref name="numHeads"/>, <paramref name="keyDim"/>, <paramref name="valueDim"/> or <paramref name="outputShape"/> is below 1, or <paramref name="dropout"/> is outside [0, 1).</exception>
    public MultiHeadAttention(int numHeads, int keyDim, int? valueDim = null, double dropout = 0, bool useBias = true,
        int? outputShape = null, Initializer? kernelInitializer = null, Initializer? biasInitializer = null, string? name = null,
        string? qkNorm = null)
        : base(name)
    {
        if (qkNorm != null && !QkNorms.Contains(qkNorm))
            throw new ArgumentException($"{Describe()}: qkNorm must be one of {string.Join(", ", QkNorms)} or null, received '{qkNorm}'.");
        QkNorm = qkNorm;
        if (numHeads < 1 || keyDim < 1 || valueDim is < 1 || outputShape is < 1)
            throw new ArgumentException($"{Describe()}: numHeads, keyDim, valueDim and outputShape must be >= 1, received {numHeads}, {keyDim}, {valueDim}, {outputShape}.");
        if (!(dropout >= 0 && dropout < 1))
            throw new ArgumentException($"{Describe()}: dropout must be in [0, 1), received {dropout}.");
        NumHeads = numHeads;
        KeyDim = keyDim;
        ValueDim = valueDim ?? keyDim;
        Dropout = dropout;
        UseBias = useBias;
        OutputShape = outputShape;
        this.kernelInitializer = kernelInitializer ?? "glorot_uniform";
        this.biasInitializer = biasInitializer ?? "zeros";
    }

    /// <summary>The number of heads.</summary>
    public int NumHeads { get; }
    /// <summary>The size of each head's queries and keys.</summary>
    public int KeyDim { get; }
    /// <summary>The size of each head's values.</summary>
    public int ValueDim { get; }
    /// <summary>The fraction of attention probabilities dropped in training.</summary>
    public double Dropout { get; }
    /// <summary>Whether the projections have biases.</summary>
    public bool UseBias { get; }
    /// <summary>The output's last dimension, or null for the query's.</summary>
    public int? OutputShape { get; }
    /// <summary>The per-head normalization of queries and keys ("layer", "rms", "l2"), or null for none.</summary>
    public string? QkNorm { get; }

    private protected override void BuildAttention(int[] queryShape, int[] valueShape, int[] keyShape)
    {
        int dim = queryShape[^1], outDim = OutputShape ?? dim;
        (queryKernel, queryBias) = Projection("query", [dim, NumHeads, KeyDim], [NumHeads, KeyDim]);
        (keyKernel, keyBias) = Projection("key", [keyShape[^1], NumHeads, KeyDim], [NumHeads, KeyDim]);
        (valueKernel, valueBias) = Projection("value", [valueShape[^1], NumHeads, ValueDim], [NumHeads, ValueDim]);
        (outputKernel, outputBias) = Projection("attention_output", [NumHeads, ValueDim, outDim], [outDim]);
        switch (QkNorm)
        {
            case "layer" or "rms":
                queryNormScale = AddWeight(QkNorm == "layer" ? "query_norm/gamma" : "query_norm/scale", [KeyDim], "ones");
                if (QkNorm == "layer") queryNormOffset = AddWeight("query_norm/beta", [KeyDim], "zeros");
                keyNormScale = AddWeight(QkNorm == "layer" ? "key_norm/gamma" : "key_norm/scale", [KeyDim], "ones");
                if (QkNorm == "layer") keyNormOffset = AddWeight("key_norm/beta", [KeyDim], "zeros");
                break;
            case "l2":
                // Henry et al.: g = log2(L² - L) for sequences of length L (at least 1, for L < 2).
                int length = Math.Max(keyShape[1], 2);
                qkScale = AddWeight("qk_scale", [1], new Constant(Math.Log2((double)length * length - length)));
                break;
        }
    }

    private (Tensor Kernel, Tensor? Bias) Projection(string name, int[] kernelShape, int[] biasShape) =>
        (AddWeight($"{name}/kernel", kernelShape, kernelInitializer), UseBias ? AddWeight($"{name}/bias", biasShape, biasInitializer) : null);

    private protected override (Tensor Output, Tensor Scores) Attend(Tensor query, Tensor value, Tensor key,
        Tensor? attentionMask, bool useCausalMask, bool training)
    {
        RequireDim(query, queryKernel!.Dims[0], "query");
        RequireDim(value, valueKernel!.Dims[0], "value");
        RequireDim(key, keyKernel!.Dims[0], "key");
        var mask = ScoreMask(query, value, attentionMask, useCausalMask, useQueryMask: true);
        var q = Project(query, queryKernel, queryBias);
        var k = Project(key, keyKernel, keyBias);
        var v = Project(value, valueKernel, valueBias);
        double scale = 1 / Math.Sqrt(KeyDim);
        switch (QkNorm)
        {
            case "layer" or "rms":
                var mode = QkNorm == "layer" ? RowNormMode.Center : RowNormMode.RootMeanSquare;
                q = Ops.RowNormalize(q, [3], QkEpsilon, queryNormScale, queryNormOffset, mode);
                k = Ops.RowNormalize(k, [3], QkEpsilon, keyNormScale, keyNormOffset, mode);
                break;
            case "l2":
                // g·q̂·k̂ with no 1/√keyDim: the learned scale multiplies the unit queries.
                q = Ops.ScaleNorm(q, qkScale!, QkEpsilon);
                k = Ops.ScaleNorm(k, Tensor.Ones(1), QkEpsilon);
                scale = 1;
                break;
        }
        var (attended, scores) = Ops.MultiHeadDotProductAttention(q, k, v, scale, mask, Dropout, training);
        int batch = query.Dims[0], steps = query.Dims[1], outDim = outputKernel!.Dims[2];
        var output = Ops.Linear(Ops.Reshape(attended, batch, steps, NumHeads * ValueDim),
            Ops.Reshape(outputKernel, NumHeads * ValueDim, outDim), outputBias);
        output.Mask = query.Mask;
        return (output, scores);
    }

    /// <summary>(batch, time, features) → (batch, time, heads, depth) with a (features, heads, depth) kernel.</summary>
    private static Tensor Project(Tensor x, Tensor kernel, Tensor? bias)
    {
        int heads = kernel.Dims[1], depth = kernel.Dims[2];
        var projected = Ops.Linear(x, Ops.Reshape(kernel, kernel.Dims[0], heads * depth), bias == null ? null : Ops.Reshape(bias, heads * depth));
        return Ops.Reshape(projected, x.Dims[0], x.Dims[1], heads, depth);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 3, 3);
        return [inputShape[0], inputShape[1], OutputShape ?? inputShape[2]];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["num_heads"] = NumHeads;
        config["key_dim"] = KeyDim;
        config["value_dim"] = ValueDim;
        config["dropout"] = Dropout;
        config["use_bias"] = UseBias;
        config["output_shape"] = OutputShape;
        config["kernel_initializer"] = kernelInitializer.GetConfig();
        config["bias_initializer"] = biasInitializer.GetConfig();
        config["qk_norm"] = QkNorm;
        return config;
    }

    internal static MultiHeadAttention FromConfig(JsonObject c) => new(
        c.GetInt("num_heads", 1), c.GetInt("key_dim", 1), c["value_dim"] is null ? null : c.GetInt("value_dim", 1),
        c.GetDouble("dropout", 0), c.GetBool("use_bias", true), c["output_shape"] is null ? null : c.GetInt("output_shape", 1),
        Initializer.FromConfig(c["kernel_initializer"]), Initializer.FromConfig(c["bias_initializer"]), c.GetString("name"),
        c["qk_norm"] is null ? null : c.GetString("qk_norm"));
}

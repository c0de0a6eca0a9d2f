using System.Text.Json.Nodes;
using NormLab.Activations;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// One transformer encoder block with keras_hub's <c>TransformerEncoder</c> arguments and weights (self-attention
/// with keyDim = features / numHeads, then a feed-forward Dense(intermediateDim, activation) → Dense(features), each
/// branch followed by dropout and a residual connection), and a choice of normalization and of where it goes:
/// <list type="bullet">
/// <item>"post" (Vaswani et al., keras_hub's default): x = Norm(α·x + Branch(x));</item>
/// <item>"pre" (keras_hub's <c>normalize_first</c>): x = x + Branch(Norm(x));</item>
/// <item>"sandwich" (Ding et al. 2021, CogView): x = x + Norm'(Branch(Norm(x))).</item>
/// </list>
/// DeepNorm (Wang et al. 2022, post placement only): with <c>deepNormLayers</c> N, α = (2N)^(1/4) and the initial
/// kernels of the value and output projections and of the feed-forward layers are scaled by (8N)^(-1/4); otherwise α = 1.
/// </summary>
/// <remarks>Weights, in order: the attention's (query, key, value, attention_output), the attention branch's
/// normalization, the feed-forward branch's normalization, the intermediate Dense, the output Dense; "sandwich"
/// then adds the normalizations of the two branch outputs. A 64-feature block with intermediateDim 128, 4 heads and
/// LayerNorm has 33,472 parameters, as keras_hub's.</remarks>
/// <example><code>var block = new TransformerEncoder(intermediateDim: 128, numHeads: 4, normalization: "rms", normPlacement: "pre");
/// Tensor y = block.Call(tokens);   // (batch, length, features)</code></example>
public sealed class TransformerEncoder : Layer
{
    private static readonly string[] Normalizations = ["layer", "rms", "dyt", "scale", "batch", "none"];
    private static readonly string[] Placements = ["post", "pre", "sandwich"];
    private MultiHeadAttention? attention;
    private Layer? attentionNorm, feedforwardNorm, attentionOutputNorm, feedforwardOutputNorm;
    private Dense? intermediateDense, outputDense;
    private Dropout? attentionDropout, feedforwardDropout;

    /// <summary>Creates the block.</summary>
    /// <param name="intermediateDim">The width of the feed-forward hidden layer; >= 1.</param>
    /// <param name="numHeads">The number of attention heads; must divide the input's features.</param>
    /// <param name="dropout">The dropout rate of the attention probabilities and of both branch outputs (0).</param>
    /// <param name="activation">The feed-forward hidden layer's activation ("relu", as keras_hub).</param>
    /// <param name="layerNormEpsilon">The epsilon of the layer, RMS, scale and batch normalizations (1e-5).</param>
    /// <param name="normalization">"layer" (keras_hub's only choice), "rms", "dyt", "scale", "batch" or "none".</param>
    /// <param name="normPlacement">"post" (keras_hub's normalize_first=False), "pre" or "sandwich".</param>
    /// <param name="deepNormLayers">DeepNorm's N (the number of blocks), 0 for plain residuals; needs "post".</param>
    /// <param name="qkNorm">The attention's query/key normalization (see <see cref="MultiHeadAttention"/>), or null.</param>
    /// <param name="inputShape">The shape of one sample (length, features), for the first layer of a model.</param>
    /// <param name="name">The layer's name; "transformer_encoder", ... when omitted.</param>
    /// <exception cref="ArgumentException">When <paramref name="intermediateDim"/> or <paramref name="numHeads"/> is below 1, <paramref name="dropout"/> is outside [0, 1), <paramref name="layerNormEpsilon"/> is not positive and finite, <paramref name="normalization"/>, <paramref name="normPlacement"/> or <paramref name="qkNorm"/> is unknown, or <paramref name="deepNormLayers"/> is negative or positive without "post".</exception>
    public TransformerEncoder(int intermediateDim, int numHeads, double dropout = 0, ActivationFunction? activation = null,
        double layerNormEpsilon = 1e-5, string normalization = "layer", string normPlacement = "post", int deepNormLayers = 0,
        string? qkNorm = null, int[]? inputShape = null, string? name = null)
        : base(name, inputShape)
    {
        if (intermediateDim < 1 || numHeads < 1)
            throw new ArgumentException($"{Describe()}: intermediateDim and numHeads must be >= 1, received {intermediateDim} and {numHeads}.");
        if (!(dropout >= 0 && dropout < 1))
            throw new ArgumentException($"{Describe()}: dropout must be in [0, 1), received {dropout}.");
        if (!(layerNormEpsilon > 0) || double.IsInfinity(layerNormEpsilon))
            throw new ArgumentException($"{Describe()}: layerNormEpsilon must be > 0 and finite, received {layerNormEpsilon}.");
        if (!Normalizations.Contains(normalization))
            throw new ArgumentException($"{Describe()}: normalization must be one of {string.Join(", ", Normalizations)}, received '{normalization}'.");
        if (!Placements.Contains(normPlacement))
            throw new ArgumentException($"{Describe()}: normPlacement must be one of {string.Join(", ", Placements)}, received '{normPlacement}'.");
        if (qkNorm != null && !MultiHeadAttention.QkNorms.Contains(qkNorm))
            throw new ArgumentException($"{Describe()}: qkNorm must be one of {string.Join(", ", MultiHeadAttention.QkNorms)} or null, received '{qkNorm}'.");
        if (deepNormLayers < 0 || (deepNormLayers > 0 && normPlacement != "post"))
            throw new ArgumentException($"{Describe()}: deepNormLayers must be >= 0 and needs normPlacement \"post\" (DeepNorm is a post-norm), received {deepNormLayers} with \"{normPlacement}\".");
        IntermediateDim = intermediateDim;
        NumHeads = numHeads;
        Dropout = dropout;
        Activation = activation ?? "relu";
        LayerNormEpsilon = layerNormEpsilon;
        Normalization = normalization;
        NormPlacement = normPlacement;
        DeepNormLayers = deepNormLayers;
        QkNorm = qkNorm;
    }

    /// <summary>The feed-forward hidden width.</summary>
    public int IntermediateDim { get; }
    /// <summary>The number of attention heads.</summary>
    public int NumHeads { get; }
    /// <summary>The dropout rate.</summary>
    public double Dropout { get; }
    /// <summary>The feed-forward hidden activation.</summary>
    public ActivationFunction Activation { get; }
    /// <summary>The normalizations' epsilon.</summary>
    public double LayerNormEpsilon { get; }
    /// <summary>The normalization: "layer", "rms", "dyt", "scale", "batch" or "none".</summary>
    public string Normalization { get; }
    /// <summary>Where the normalization goes: "post", "pre" or "sandwich".</summary>
    public string NormPlacement { get; }
    /// <summary>DeepNorm's N, or 0.</summary>
    public int DeepNormLayers { get; }
    /// <summary>The attention's query/key normalization, or null.</summary>
    public string? QkNorm { get; }
    /// <summary>The residual weight α: (2N)^(1/4) with DeepNorm, else 1.</summary>
    public double ResidualScale => DeepNormLayers > 0 ? Math.Pow(2.0 * DeepNormLayers, 0.25) : 1;

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        RequireRank(inputShape, 3, 3);
        int features = inputShape[2];
        if (features % NumHeads != 0)
            throw new ArgumentException($"{Describe()}: the input's {features} features (shape {Shapes.Format(inputShape)}) are not divisible by numHeads {NumHeads}.");
        attention = AddSublayer(new MultiHeadAttention(NumHeads, features / NumHeads, dropout: Dropout, qkNorm: QkNorm, name: $"{Name}/self_attention"));
        attention.Build(inputShape);
        attentionNorm = NewNorm("self_attention_norm", inputShape);
        feedforwardNorm = NewNorm("feedforward_norm", inputShape);
        intermediateDense = AddSublayer(new Dense(IntermediateDim, Activation, name: $"{Name}/feedforward_intermediate_dense"));
        intermediateDense.Build(inputShape);
        outputDense = AddSublayer(new Dense(features, name: $"{Name}/feedforward_output_dense"));
        outputDense.Build([.. inputShape[..2], IntermediateDim]);
        if (NormPlacement == "sandwich")
        {
            attentionOutputNorm = NewNorm("self_attention_output_norm", inputShape);
            feedforwardOutputNorm = NewNorm("feedforward_output_norm", inputShape);
        }
        attentionDropout = new Dropout(Dropout, name: $"{Name}/self_attention_dropout");
        feedforwardDropout = new Dropout(Dropout, name: $"{Name}/feedforward_dropout");
        if (DeepNormLayers > 0)
        {
            // DeepNet's β = (8N)^(-1/4) on the value, output and feed-forward kernels (not on queries and keys).
            float beta = (float)Math.Pow(8.0 * DeepNormLayers, -0.25);
            var scaled = attention.Weights.Where(w => w.Name!.EndsWith("/value/kernel") || w.Name.EndsWith("/attention_output/kernel"))
                .Append(intermediateDense.Weights[0]).Append(outputDense.Weights[0]);
            foreach (var kernel in scaled)
                for (int i = 0; i < kernel.Size; i++) kernel.Data[i] *= beta;
        }
    }

    private Layer? NewNorm(string role, int[] inputShape)
    {
        string name = $"{Name}/{role}";
        Layer? norm = Normalization switch
        {
            "layer" => new LayerNormalization(epsilon: LayerNormEpsilon, name: name),
            "rms" => new RMSNormalization(epsilon: LayerNormEpsilon, name: name),
            "dyt" => new DynamicTanh(name: name),
            "scale" => new ScaleNorm(epsilon: LayerNormEpsilon, name: name),
            // PyTorch's momentum 0.1 (Keras's 0.99 leaves the moving statistics unconverged in short runs).
            "batch" => new BatchNormalization(momentum: 0.9, epsilon: LayerNormEpsilon, name: name),
            _ => null,
        };
        if (norm == null) return null;
        AddSublayer(norm).Build(inputShape);
        return norm;
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        RequireRank(x, 3, 3);
        x = Residual(x, h => attention!.Call(h, h, training: training), attentionNorm, attentionOutputNorm, attentionDropout!, training);
        return Residual(x, h => outputDense!.Call(intermediateDense!.Call(h, training), training), feedforwardNorm, feedforwardOutputNorm, feedforwardDropout!, training);
    }

    /// <summary>One residual branch with the block's placement of its normalization(s).</summary>
    private Tensor Residual(Tensor x, Func<Tensor, Tensor> branch, Layer? norm, Layer? outputNorm, Dropout dropout, bool training)
    {
        Tensor Norm(Layer? layer, Tensor h) => layer == null ? h : layer.Call(h, training);
        if (NormPlacement == "post")
        {
            var skip = DeepNormLayers > 0 ? Ops.Affine(x, ResidualScale) : x;
            return Norm(norm, Ops.Add(skip, dropout.Call(branch(x), training)));
        }
        var y = dropout.Call(branch(Norm(norm, x)), training);
        return Ops.Add(x, Norm(outputNorm, y));
    }

    /// <summary>The block's sublayers, for exporters that rebuild its graph (null where the placement has none).</summary>
    internal (MultiHeadAttention Attention, Layer? AttentionNorm, Layer? AttentionOutputNorm, Dense Intermediate, Dense Output,
        Layer? FeedforwardNorm, Layer? FeedforwardOutputNorm) Parts =>
        (attention ?? throw new InvalidOperationException($"{Describe()}: not built."), attentionNorm, attentionOutputNorm,
            intermediateDense!, outputDense!, feedforwardNorm, feedforwardOutputNorm);

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 3, 3);
        return (int[])inputShape.Clone();
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["intermediate_dim"] = IntermediateDim;
        config["num_heads"] = NumHeads;
        config["dropout"] = Dropout;
        config["activation"] = Activation.Name;
        config["layer_norm_epsilon"] = LayerNormEpsilon;
        config["normalization"] = Normalization;
        config["norm_placement"] = NormPlacement;
        config["deep_norm_layers"] = DeepNormLayers;
        config["qk_norm"] = QkNorm;
        return config;
    }

    internal static TransformerEncoder FromConfig(JsonObject c) => new(
        c.GetInt("intermediate_dim", 1), c.GetInt("num_heads", 1), c.GetDouble("dropout", 0), c.GetString("activation", "relu")!,
        c.GetDouble("layer_norm_epsilon", 1e-5), c.GetString("normalization", "layer")!, c.GetString("norm_placement", "post")!,
        c.GetInt("deep_norm_layers", 0), c["qk_norm"] is null ? null : c.GetString("qk_norm"), name: c.GetString("name"));
}

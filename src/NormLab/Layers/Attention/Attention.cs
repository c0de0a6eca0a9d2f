using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Dot-product attention (Luong-style), keras.layers.Attention: scores = query·keyᵀ (times a learned scalar
/// <c>scale</c> with useScale), or with scoreMode "concat" concat_score_weight · Σ tanh(scale · (query + key));
/// masked softmax over the keys, dropout on the weights in training, then weights·value. Query, value and key
/// share the last dimension. A query mask (attached to the query) zeroes the masked query steps' output; the
/// value's mask and useCausalMask restrict the keys (see <see cref="AttentionLayer"/>).
/// </summary>
public class Attention : AttentionLayer
{
    private static readonly string[] ScoreModes = ["dot", "concat"];

    /// <summary>Creates the layer; arguments and defaults follow keras.layers.Attention.</summary>
    /// <param name="useScale">Whether a learned scalar scales the scores (false).</param>
    /// <param name="scoreMode">"dot" (default) or "concat".</param>
    /// <param name="dropout">The fraction of attention weights dropped in training (0).</param>
    /// <param name="name">The layer's name.</param>
    /// <exception cref="ArgumentException">When <paramref name="scoreMode"/> is not "dot" or "concat", or <paramref name="dropout"/> is outside [0, 1).</exception>
    public Attention(bool useScale = false, string scoreMode = "dot", double dropout = 0, string? name = null)
        : base(name)
    {
        if (!ScoreModes.Contains(scoreMode))
            throw new ArgumentException($"{Describe()}: scoreMode must be 'dot' or 'concat', received '{scoreMode}'.");
        if (!(dropout >= 0 && dropout < 1))
            throw new ArgumentException($"{Describe()}: dropout must be in [0, 1), received {dropout}.");
        UseScale = useScale;
        ScoreMode = scoreMode;
        Dropout = dropout;
    }

    /// <summary>Whether the scores are scaled by a learned weight.</summary>
    public bool UseScale { get; }
    /// <summary>"dot" or "concat".</summary>
    public string ScoreMode { get; }
    /// <summary>The fraction of attention weights dropped in training.</summary>
    public double Dropout { get; }

    /// <summary>The learned scale (null without useScale or before build).</summary>
    private protected Tensor? Scale { get; set; }
    private Tensor? concatScoreWeight;

    private protected override void BuildAttention(int[] queryShape, int[] valueShape, int[] keyShape)
    {
        if (UseScale) Scale = AddWeight("scale", [], "ones");
        if (ScoreMode == "concat") concatScoreWeight = AddWeight("concat_score_weight", [], "ones");
    }

    /// <summary>The raw scores (batch, Tq, Tk).</summary>
    private protected virtual Tensor Scores(Tensor query, Tensor key)
    {
        if (ScoreMode == "dot")
        {
            var dot = Ops.BatchMatMul(query, key, transposeB: true);
            return Scale == null ? dot : Ops.Mul(dot, Scale);
        }
        var sum = PairwiseSum(query, key);
        return Ops.Mul(concatScoreWeight!, Ops.Sum(Ops.Tanh(Scale == null ? sum : Ops.Mul(Scale, sum)), [-1]));
    }

    /// <summary>query[b, i] + key[b, j] for every pair: (batch, Tq, Tk, dim).</summary>
    private protected static Tensor PairwiseSum(Tensor query, Tensor key) =>
        Ops.Add(Ops.Reshape(query, query.Dims[0], query.Dims[1], 1, query.Dims[2]), Ops.Reshape(key, key.Dims[0], 1, key.Dims[1], key.Dims[2]));

    private protected override (Tensor Output, Tensor Scores) Attend(Tensor query, Tensor value, Tensor key,
        Tensor? attentionMask, bool useCausalMask, bool training)
    {
        if (query.Dims[2] != key.Dims[2] || value.Dims[2] != key.Dims[2])
            throw new ArgumentException($"{Describe()}: query, value and key must have the same last dimension, received {Shapes.Format(query.Dims)}, {Shapes.Format(value.Dims)} and {Shapes.Format(key.Dims)}.");
        var scores = Scores(query, key);
        var mask = ScoreMask(query, value, attentionMask, useCausalMask, useQueryMask: false);
        // Keras's masked softmax: 1e9 subtracted from the masked scores.
        if (mask != null) scores = Ops.Add(scores, Ops.Affine(mask, 1e9, -1e9));
        var weights = Ops.Softmax(scores);
        if (training && Dropout > 0)
        {
            var keep = Tensor.Zeros(weights.Shape);
            NormLabRandom.FillUniform(keep.Data, 0, 1);
            for (int i = 0; i < keep.Size; i++) keep.Data[i] = keep.Data[i] >= Dropout ? (float)(1 / (1 - Dropout)) : 0f;
            weights = Ops.Mul(weights, keep);
        }
        var output = Ops.BatchMatMul(weights, value);
        if (query.Mask != null)
            output = Ops.Mul(output, Ops.Reshape(query.Mask, query.Dims[0], query.Dims[1], 1));
        output.Mask = query.Mask;
        return (output, weights);
    }

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
        config["use_scale"] = UseScale;
        config["score_mode"] = ScoreMode;
        config["dropout"] = Dropout;
        return config;
    }

    internal static Attention FromConfig(JsonObject c) =>
        new(c.GetBool("use_scale", false), c.GetString("score_mode", "dot")!, c.GetDouble("dropout", 0), c.GetString("name"));
}

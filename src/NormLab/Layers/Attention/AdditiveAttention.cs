using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Additive (Bahdanau-style) attention, keras.layers.AdditiveAttention: scores = Σ scale · tanh(query + key)
/// over the last axis, with a learned per-feature <c>scale</c> (dim) when useScale (the default); then the
/// masked softmax, dropout and weighted sum of <see cref="Attention"/>.
/// </summary>
public sealed class AdditiveAttention : Attention
{
    /// <summary>Creates the layer; arguments and defaults follow keras.layers.AdditiveAttention.</summary>
    /// <param name="useScale">Whether a learned per-feature scale multiplies tanh(query + key) (true).</param>
    /// <param name="dropout">The fraction of attention weights dropped in training (0).</param>
    /// <param name="name">The layer's name.</param>
    public AdditiveAttention(bool useScale = true, double dropout = 0, string? name = null)
        : base(useScale, "dot", dropout, name) { }

    private protected override void BuildAttention(int[] queryShape, int[] valueShape, int[] keyShape)
    {
        if (UseScale) Scale = AddWeight("scale", [queryShape[^1]], "glorot_uniform");
    }

    private protected override Tensor Scores(Tensor query, Tensor key)
    {
        if (Scale != null) RequireDim(query, Scale.Dims[0], "query");
        var activated = Ops.Tanh(PairwiseSum(query, key));
        return Ops.Sum(Scale == null ? activated : Ops.Mul(Scale, activated), [-1]);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config.Remove("score_mode");
        return config;
    }

    internal static new AdditiveAttention FromConfig(JsonObject c) =>
        new(c.GetBool("use_scale", true), c.GetDouble("dropout", 0), c.GetString("name"));
}

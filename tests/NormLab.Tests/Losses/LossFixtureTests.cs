using System.Text.Json.Nodes;
using NormLab.Losses;
using NormLab.Tests.Normalization;
using Xunit;

namespace NormLab.Tests.Losses;

/// <summary>
/// The losses against Keras 3's formulas in PyTorch float64 (tests/reference/make_loss_fixtures.py):
/// the value and d loss / d yPred, with per-sample weights, (N) targets against (N, 1) predictions and rank 3.
/// </summary>
public class LossFixtureTests
{
    [Theory]
    [InlineData("huber")]
    [InlineData("huber_delta")]
    [InlineData("log_cosh")]
    [InlineData("kl_divergence")]
    [InlineData("poisson")]
    [InlineData("hinge_binary")]
    [InlineData("hinge_signed")]
    [InlineData("squared_hinge")]
    [InlineData("categorical_hinge")]
    [InlineData("cosine_similarity")]
    [InlineData("cce_label_smoothing")]
    [InlineData("cce_logits_label_smoothing")]
    [InlineData("cfce_probs")]
    [InlineData("cfce_logits")]
    [InlineData("cfce_label_smoothing")]
    [InlineData("cfce_gamma0_is_cce")]
    [InlineData("bce_label_smoothing")]
    [InlineData("bfce_probs")]
    [InlineData("bfce_logits_balanced")]
    [InlineData("bfce_label_smoothing")]
    [InlineData("huber_column")]
    [InlineData("bce_column")]
    [InlineData("huber_sample_weight")]
    [InlineData("cfce_sample_weight")]
    [InlineData("cce_rank3")]
    [InlineData("kl_divergence_rank3")]
    public void Loss_MatchesReference(string name)
    {
        var f = NormFixture.Load(name, "losses");
        var loss = Build(f.Config["loss"]!.GetValue<string>(), (JsonObject)f.Config["args"]!);
        var yPred = f.T("y_pred", requiresGrad: true);
        var value = loss.Compute(f.T("y_true"), yPred, f.Has("sample_weight") ? f.T("sample_weight") : null);
        Assert.Empty(value.Shape);
        f.AssertClose("loss", value, rtol: 1e-5, atol: 1e-6);
        value.Backward();
        f.AssertClose("dy_pred", yPred.Grad, rtol: 1e-4, atol: 1e-6);
    }

    /// <summary>The loss a fixture names, built with its Keras arguments (snake_case keys).</summary>
    private static Loss Build(string name, JsonObject args)
    {
        double D(string key, double fallback) => args[key]?.GetValue<double>() ?? fallback;
        bool B(string key) => args[key]?.GetValue<bool>() ?? false;
        return name switch
        {
            "huber" => new Huber(D("delta", 1)),
            "categorical_crossentropy" => new CategoricalCrossentropy(B("from_logits"), D("label_smoothing", 0)),
            "binary_crossentropy" => new BinaryCrossentropy(B("from_logits"), D("label_smoothing", 0)),
            "categorical_focal_crossentropy" => new CategoricalFocalCrossentropy(D("alpha", 0.25), D("gamma", 2), B("from_logits"), D("label_smoothing", 0)),
            "binary_focal_crossentropy" => new BinaryFocalCrossentropy(B("apply_class_balancing"), D("alpha", 0.25), D("gamma", 2), B("from_logits"), D("label_smoothing", 0)),
            _ => Loss.Get(name),
        };
    }
}

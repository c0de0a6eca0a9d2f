using Xunit;

namespace NormLab.Tests.Reference;

// Aliases (they take precedence over types of the enclosing NormLab namespace):
// Tensor from NormLab, layers from NormLab.Layers, Loss from NormLab.Losses.
using Tensor = NormLab.Tensor;
using Loss = NormLab.Losses.Loss;

/// <summary>
/// Losses (batch 6, 4 classes) against PyTorch with Keras 3 semantics: value = mean over the batch
/// (per-sample mean over the last axis for binary_crossentropy / mse / mae), gradient w.r.t. yPred.
/// From probabilities, categorical and sparse categorical crossentropy first renormalize
/// (p / sum(p, -1)) and then clip to [1e-7, 1 - 1e-7]; binary crossentropy clips to [1e-7, 1 - 1e-7].
/// The *_clip fixtures contain exact 0 / 1 probabilities (clipped elements get zero gradient).
/// Tolerances: loss 1e-5 + 1e-5, d(loss)/d(yPred) 1e-4 relative + 1e-5 absolute.
/// </summary>
public class LossReferenceTests
{
    [Theory]
    [InlineData("loss_scce_probs")]        // unnormalized probabilities: Keras renormalizes
    [InlineData("loss_scce_logits")]
    [InlineData("loss_scce_probs_clip")]
    [InlineData("loss_cce_probs")]
    [InlineData("loss_cce_logits")]
    [InlineData("loss_cce_logits_soft")]   // soft (non one-hot) targets
    [InlineData("loss_cce_probs_clip")]
    [InlineData("loss_bce_probs")]
    [InlineData("loss_bce_logits")]
    [InlineData("loss_bce_probs_clip")]
    [InlineData("loss_mse")]
    [InlineData("loss_mae")]
    public void Loss_MatchesReference(string name)
    {
        var f = Fixture.Load(name);
        Loss loss = Loss.Get(f.String("loss"), fromLogits: f.Bool("fromLogits"));

        Tensor yTrue = f.GetTensor("y_true");
        Tensor yPred = f.GetTensor("y_pred");
        yPred.RequiresGrad = true;

        Tensor value = loss.Compute(yTrue, yPred);
        Assert.Empty(value.Shape);   // scalar
        RefAssert.AssertTensor(f, "loss", value, Tol.LossRel, Tol.LossAbs);

        value.Backward(Tensor.FromArray(new[] { 1f }, value.Shape));
        RefAssert.AssertTensor(f, "dy_pred", yPred.Grad, Tol.LossGradRel, Tol.LossGradAbs);
    }
}

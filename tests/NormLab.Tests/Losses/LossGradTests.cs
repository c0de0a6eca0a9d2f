using NormLab.Losses;
using Xunit;
using static NormLab.Tests.GradCheck;

namespace NormLab.Tests.Losses;

/// <summary>Finite-difference checks of every loss's gradient with respect to the predictions.</summary>
public class LossGradTests
{
    private static Tensor OneHot(int[] labels, int classes)
    {
        var data = new float[labels.Length * classes];
        for (int i = 0; i < labels.Length; i++) data[i * classes + labels[i]] = 1;
        return Tensor.FromArray(data, labels.Length, classes);
    }

    private static readonly int[] Labels = [0, 3, 1, 2, 3];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SparseCategoricalCrossentropy(bool fromLogits)
    {
        var loss = new SparseCategoricalCrossentropy(fromLogits);
        var y = Tensor.FromArray(Labels.Select(l => (float)l).ToArray(), 5);
        // Probabilities: positive rows (renormalized by the loss), far from the 1e-7 clip.
        var p = fromLogits ? Uniform(1, -2, 2, 5, 4) : Uniform(1, 0.1, 1, 5, 4);
        Check(t => loss.Compute(y, t[0]), [p], what: loss.Name);
        // Labels of shape (batch, 1) too.
        Check(t => loss.Compute(y.Reshape(5, 1), t[0]), [p], what: loss.Name + " (batch, 1)");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void CategoricalCrossentropy(bool fromLogits)
    {
        var loss = new CategoricalCrossentropy(fromLogits);
        var p = fromLogits ? Uniform(2, -2, 2, 5, 4) : Uniform(2, 0.1, 1, 5, 4);
        Check(t => loss.Compute(OneHot(Labels, 4), t[0]), [p], what: loss.Name);
        // Soft targets.
        var soft = Uniform(3, 0, 1, 5, 4);
        Check(t => loss.Compute(soft, t[0]), [p], what: loss.Name + " (soft targets)");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BinaryCrossentropy(bool fromLogits)
    {
        var loss = new BinaryCrossentropy(fromLogits);
        var y = Tensor.FromArray([1, 0, 0, 1, 1, 0, 1, 1], 4, 2);
        var p = fromLogits ? Uniform(4, -3, 3, 4, 2) : Uniform(4, 0.05, 0.95, 4, 2);
        Check(t => loss.Compute(y, t[0]), [p], what: loss.Name);
        Check(t => loss.Compute(y.Reshape(8), t[0]), [p.Reshape(8).Detach()], what: loss.Name + " rank 1");
    }

    [Fact]
    public void MeanSquaredError()
    {
        var y = Uniform(5, -1, 1, 4, 3);
        Check(t => new MeanSquaredError().Compute(y, t[0]), [Uniform(6, -1, 1, 4, 3)], what: "mse");
        Check(t => NormLab.Losses.Loss.Get("mse").Compute(y.Reshape(4, 3, 1), t[0]), [Uniform(7, -1, 1, 4, 3, 1)], what: "mse rank 3");
    }

    [Fact]
    public void MeanAbsoluteError()
    {
        var y = Uniform(8, -1, 1, 4, 3);
        // Predictions = targets ± [0.2, 1.2): no difference near the kink at 0.
        var p = Ops.Add(y, AwayFromZero(9, 4, 3)).Detach();
        Check(t => new MeanAbsoluteError().Compute(y, t[0]), [p], what: "mae");
    }

    public static TheoryData<string> RegressionLosses => new() { "huber", "log_cosh", "poisson", "kl_divergence", "cosine_similarity" };

    [Theory]
    [MemberData(nameof(RegressionLosses))]
    public void RegressionLoss(string name)
    {
        var loss = NormLab.Losses.Loss.Get(name);
        // Positive targets and predictions away from the clips (KL, Poisson) and from Huber's kink at |d| = 1.
        var y = Uniform(10, 0.1, 1, 4, 3);
        var p = Ops.Add(y, Uniform(11, 0.05, 0.6, 4, 3)).Detach();
        Check(t => loss.Compute(y, t[0]), [p], what: name);
        Check(t => loss.Compute(y, t[0], Uniform(12, 0, 2, 4)), [p], what: name + " (sample weights)");
    }

    [Fact]
    public void Huber_LinearPart()
    {
        var y = Uniform(13, -1, 1, 4, 3);
        Check(t => new Huber(delta: 0.5).Compute(y, t[0]), [Ops.Add(y, AwayFromZero(14, 4, 3)).Detach()], what: "huber linear");
    }

    [Theory]
    [InlineData("hinge")]
    [InlineData("squared_hinge")]
    public void HingeLosses(string name)
    {
        var y = Tensor.FromArray([1, 0, 0, 1, 1, 0, 1, 1, 0, 1, 0, 0], 4, 3);
        // Margins 1 - t p of 0.4 .. 1.6 on either side: away from the kink at 0.
        var p = Uniform(15, -0.6, 0.6, 4, 3);
        Check(t => NormLab.Losses.Loss.Get(name).Compute(y, t[0]), [p], what: name);
    }

    [Fact]
    public void CategoricalHinge()
    {
        // Margins >= 0.2 and the largest non-target score (or the target's 0) >= 0.1 above the next: away from the kinks.
        var p = Tensor.FromArray([0.3f, -0.2f, 0.1f, -0.35f, 0.2f, -0.1f, -0.3f, 0.25f, -0.25f, 0.15f, 0.05f, 0.35f,
            0.1f, 0.38f, -0.05f, -0.3f, -0.15f, 0.2f, -0.1f, 0.3f], 5, 4);
        Check(t => new CategoricalHinge().Compute(OneHot(Labels, 4), t[0]), [p], what: "categorical_hinge");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FocalCrossentropies(bool fromLogits)
    {
        var categorical = new CategoricalFocalCrossentropy(alpha: 0.4, gamma: 1.5, fromLogits: fromLogits, labelSmoothing: 0.1);
        var p = fromLogits ? Uniform(17, -2, 2, 5, 4) : Uniform(17, 0.1, 1, 5, 4);
        Check(t => categorical.Compute(OneHot(Labels, 4), t[0]), [p], what: "categorical_focal_crossentropy");
        var binary = new BinaryFocalCrossentropy(applyClassBalancing: true, gamma: 3, fromLogits: fromLogits, labelSmoothing: 0.2);
        var y = Tensor.FromArray([1, 0, 0, 1, 1, 0, 1, 1], 4, 2);
        var q = fromLogits ? Uniform(18, -3, 3, 4, 2) : Uniform(18, 0.05, 0.95, 4, 2);
        Check(t => binary.Compute(y, t[0]), [q], what: "binary_focal_crossentropy");
    }

    [Fact]
    public void CrossentropyOfActivationOutput_DifferentiatesThroughTheLogits()
    {
        var labels = Tensor.FromArray([2f, 0f, 1f], 3);
        Check(t => new SparseCategoricalCrossentropy().Compute(labels, Ops.Softmax(t[0])), [Uniform(19, -3, 3, 3, 4)], what: "scce(softmax)");
        var bits = Tensor.FromArray([1f, 0f, 0f, 1f, 1f, 0f], 3, 2);
        Check(t => new BinaryCrossentropy(labelSmoothing: 0.1).Compute(bits, Ops.Sigmoid(t[0])), [Uniform(20, -3, 3, 3, 2)], what: "bce(sigmoid)");
    }

    [Fact]
    public void Losses_ByName_HaveKerasValues()
    {
        // Spot values: mse of (0, 0) vs (1, 3) = 5; mae = 2; sparse CE of uniform logits = log(classes).
        Assert.Equal(5f, NormLab.Losses.Loss.Get("mse").Compute(Tensor.Zeros(1, 2), Tensor.FromArray([1f, 3f], 1, 2)).Item(), 5);
        Assert.Equal(2f, NormLab.Losses.Loss.Get("mae").Compute(Tensor.Zeros(1, 2), Tensor.FromArray([1f, 3f], 1, 2)).Item(), 5);
        Assert.Equal(MathF.Log(4), NormLab.Losses.Loss.Get("sparse_categorical_crossentropy", fromLogits: true)
            .Compute(Tensor.FromArray([2f], 1), Tensor.Zeros(1, 4)).Item(), 5);
    }
}

using NormLab.Layers;
using NormLab.Losses;
using NormLab.Optimizers;
using NormLab.Tests.Normalization;
using Xunit;

namespace NormLab.Tests.Losses;

/// <summary>
/// Cross-entropies on softmax/sigmoid outputs compute from the logits (tf.keras's _keras_logits), so a
/// model that starts confidently wrong recovers as in PyTorch; plain probabilities still clip as Keras.
/// </summary>
public class SaturatedCrossentropyTests
{
    [Theory]
    [InlineData("recovery_softmax", 2, "softmax")]
    [InlineData("recovery_sigmoid", 1, "sigmoid")]
    public void ConfidentlyWrongModel_RecoversAsPyTorch(string name, int units, string activation)
    {
        var f = NormFixture.Load(name, "losses");
        var dense = new Dense(units, activation: activation);
        var model = new Sequential([dense]);
        model.Build([32, 4]);
        dense.SetWeights([f.T("kernel"), f.T("bias")]);
        model.Compile(new Adam(learningRate: f.Config["learningRate"]!.GetValue<double>()), f.Config["loss"]!.GetValue<string>());
        var y = f.T("y");
        if (units == 1) y = y.Reshape(32, 1);

        var expected = f.T("losses").ToArray();
        var history = model.Fit(f.T("x"), y, epochs: expected.Length, batchSize: 32, shuffle: false, verbose: 0);

        // The clip would pin half the samples at -ln(1e-7) = 16.1 with a zero gradient forever.
        var losses = history["loss"];
        for (int step = 0; step < expected.Length; step++)
            Assert.True(Math.Abs(losses[step] - expected[step]) <= 1e-3 + 1e-3 * expected[step],
                $"{name}: step {step}: PyTorch {expected[step]}, NormLab {losses[step]}");
        Assert.True(losses[^1] < expected[0] / 10, $"{name}: the loss went from {losses[0]} to {losses[^1]} only");
    }

    [Fact]
    public void SoftmaxOutput_GradientFlowsThroughLogits()
    {
        // Logits that make class 1 a probability of e^-60, far below the 1e-7 clip.
        var logits = Tensor.FromArray([30f, -30f], 1, 2);
        logits.RequiresGrad = true;
        var loss = new SparseCategoricalCrossentropy().Compute(Tensor.FromArray([1f], 1), Ops.Softmax(logits));
        loss.Backward();
        Assert.Equal(60, loss.Item(), 3);
        Assert.Equal([1f, -1f], logits.Grad!.ToArray());
    }

    [Fact]
    public void SigmoidOutput_GradientFlowsThroughLogits()
    {
        var logits = Tensor.FromArray([30f], 1, 1);
        logits.RequiresGrad = true;
        var loss = new BinaryCrossentropy().Compute(Tensor.FromArray([0f], 1, 1), Ops.Sigmoid(logits));
        loss.Backward();
        Assert.Equal(30, loss.Item(), 3);
        Assert.Equal(1f, logits.Grad!.Item(), 5);
    }

    [Fact]
    public void FocalLosses_ReadLogitsToo()
    {
        var logits = Tensor.FromArray([30f, -30f], 1, 2);
        logits.RequiresGrad = true;
        var loss = new CategoricalFocalCrossentropy(alpha: 1, gamma: 2).Compute(Tensor.FromArray([0f, 1f], 1, 2), Ops.Softmax(logits));
        loss.Backward();
        Assert.Equal(60, loss.Item(), 3);
        Assert.True(logits.Grad!.ToArray()[1] < -0.5f, $"gradient {logits.Grad}");

        var binaryLogits = Tensor.FromArray([30f], 1, 1);
        binaryLogits.RequiresGrad = true;
        new BinaryFocalCrossentropy(gamma: 2).Compute(Tensor.FromArray([0f], 1, 1), Ops.Sigmoid(binaryLogits)).Backward();
        Assert.True(binaryLogits.Grad!.Item() > 0.5f, $"gradient {binaryLogits.Grad}");
    }

    [Fact]
    public void PlainProbabilities_StillClipAsKeras()
    {
        // Not a softmax output: Keras clips to [1e-7, 1 - 1e-7], and the clipped entry has no gradient.
        var probabilities = Tensor.FromArray([1f, 0f], 1, 2);
        probabilities.RequiresGrad = true;
        var loss = new SparseCategoricalCrossentropy().Compute(Tensor.FromArray([1f], 1), probabilities);
        loss.Backward();
        Assert.Equal(-Math.Log(1e-7), loss.Item(), 3);
        Assert.All(probabilities.Grad!.ToArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void SoftmaxOutputThroughAnotherOp_DropsTheLogits()
    {
        // Any op after the softmax (here a reshape) gives a tensor without logits: the clip applies again.
        var logits = Tensor.FromArray([30f, -30f], 1, 2);
        logits.RequiresGrad = true;
        var reshaped = Ops.Reshape(Ops.Softmax(logits), 1, 2);
        var loss = new SparseCategoricalCrossentropy().Compute(Tensor.FromArray([1f], 1), reshaped);
        loss.Backward();
        Assert.Equal(-Math.Log(1e-7), loss.Item(), 3);
        Assert.All(logits.Grad!.ToArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void UnsaturatedSoftmaxOutput_KeepsItsValue()
    {
        var logits = Tensor.FromArray([0.5f, -0.2f, 1.1f, 0.3f, 0.0f, -1.0f], 2, 3);
        var probabilities = Ops.Softmax(logits);
        var labels = Tensor.FromArray([2f, 0f], 2);
        float fromLogits = new SparseCategoricalCrossentropy(fromLogits: true).Compute(labels, logits).Item();
        float fromProbabilities = new SparseCategoricalCrossentropy().Compute(labels, probabilities.Detach()).Item();
        float hooked = new SparseCategoricalCrossentropy().Compute(labels, probabilities).Item();
        Assert.Equal(fromProbabilities, hooked, 5);
        Assert.Equal(fromLogits, hooked, 6);
    }
}

using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Fit;

/// <summary>
/// A training step hands its graph's memory (activations and gradients) to the next step, so Fit and
/// TrainOnBatch are fast without the user disposing anything; what the user owns is never released.
/// </summary>
public class StepMemoryTests : EmptyPoolTests
{
    private static Sequential Cnn()
    {
        NormLabRandom.SetSeed(5);
        var model = new Sequential([
            new Conv2D(8, (3, 3), padding: "same", inputShape: [12, 12, 1]), new BatchNormalization(), new Activation("relu"),
            new Flatten(), new Dense(3, activation: "softmax")]);
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return model;
    }

    private static (Tensor X, Tensor Y) Data()
    {
        NormLabRandom.SetSeed(6);
        return (Tensor.Rand(64, 12, 12, 1), Tensor.RandInt(0, 3, 64));
    }

    [Fact]
    public void AStepHandsItsActivationsToThePoolAndTrainsAsWithoutIt()
    {
        var (x, y) = Data();
        NormLabConfig.TensorPoolBytes = 0; // every array fresh: the reference
        var reference = Cnn();
        var expected = reference.Fit(x, y, epochs: 2, batchSize: 16, verbose: 0)["loss"];
        var expectedWeights = reference.GetWeights().Select(w => w.ToArray()).ToArray();

        NormLabConfig.TensorPoolBytes = SavedLimit;
        var model = Cnn();
        var losses = model.Fit(x, y, epochs: 2, batchSize: 16, verbose: 0)["loss"];
        Assert.True(TensorPool.PooledBytes > 0, "the last step's activations should be in the pool");
        Assert.Equal(expected, losses);
        var weights = model.GetWeights().Select(w => w.ToArray()).ToArray();
        for (int i = 0; i < weights.Length; i++) Assert.Equal(expectedWeights[i], weights[i]);
    }

    [Fact]
    public void TrainOnBatchLeavesTheCallersTensorsAlone()
    {
        var (x, y) = Data();
        var model = Cnn();
        // The caller's input is itself computed (it has a graph); the step must not release it.
        var source = Tensor.Rand(16, 12, 12, 1);
        source.RequiresGrad = true;
        var input = Ops.Mul(source, Tensor.Full([16, 12, 12, 1], 1f));
        var batchLabels = Tensor.RandInt(0, 3, 16);
        model.TrainOnBatch(input, batchLabels);
        model.TrainOnBatch(input, batchLabels);
        Assert.False(input.IsDisposed);
        Assert.False(batchLabels.IsDisposed);
        Assert.Equal(source.ToArray(), input.ToArray());
        Assert.All(model.TrainableWeights, w => Assert.False(w.IsDisposed));
        _ = model.Predict(x); // the weights still work after the steps
    }
}

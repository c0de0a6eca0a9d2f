using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Models;

/// <summary>
/// Under no recording (Predict, Evaluate) the values between layers are released once their consumers have
/// run: the results are those of fresh memory, and what a later layer or the caller still reads is kept.
/// </summary>
public class InferenceMemoryTests : EmptyPoolTests
{
    private static Sequential SequentialModel()
    {
        NormLabRandom.SetSeed(11);
        // Dropout at inference returns its input itself; the softmax layer keeps its input as its logits.
        var model = new Sequential([
            new Conv2D(8, (3, 3), padding: "same", inputShape: [10, 10, 2]), new BatchNormalization(), new Dropout(0.5),
            new Flatten(), new Dense(4), new Activation("softmax")]);
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy");
        return model;
    }

    private static Model FunctionalModel()
    {
        NormLabRandom.SetSeed(12);
        var input = new Input([10, 10, 2]);
        var h = new Conv2D(8, (3, 3), padding: "same").Call(input);
        var a = new LayerNormalization().Call(h);
        var b = new Activation("relu").Call(h); // h read by two later layers
        var sum = new Add().Call([a, b, h]);
        var output = new Dense(4, activation: "softmax").Call(new Flatten().Call(sum));
        var model = new Model(input, output);
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy");
        return model;
    }

    public static TheoryData<string> Kinds() => new(["sequential", "functional"]);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void PredictAndEvaluateGiveTheValuesOfFreshMemory(string kind)
    {
        NormLabRandom.SetSeed(13);
        var x = Tensor.Rand(40, 10, 10, 2);
        var y = Tensor.RandInt(0, 4, 40);
        Model Build() => kind == "sequential" ? SequentialModel() : FunctionalModel();

        NormLabConfig.TensorPoolBytes = 0;
        var reference = Build();
        var expected = reference.Predict(x, batchSize: 16).ToArray();
        var expectedLoss = reference.Evaluate(x, y, batchSize: 16)["loss"];

        NormLabConfig.TensorPoolBytes = SavedLimit;
        var model = Build();
        for (int round = 0; round < 3; round++)
        {
            Assert.Equal(expected, model.Predict(x, batchSize: 16).ToArray());
            Assert.Equal(expectedLoss, model.Evaluate(x, y, batchSize: 16)["loss"]);
        }
        Assert.True(TensorPool.PooledBytes > 0, "the values between layers should go to the pool");
        Assert.False(x.IsDisposed);
        Assert.False(y.IsDisposed);
    }

    [Fact]
    public void ACallThatRecordsKeepsItsValuesForBackward()
    {
        var model = SequentialModel();
        var x = Tensor.Rand(4, 10, 10, 2);
        var output = model.Call(x, training: true);
        output.Backward();
        Assert.All(model.TrainableWeights, w => Assert.NotNull(w.Grad));
    }
}

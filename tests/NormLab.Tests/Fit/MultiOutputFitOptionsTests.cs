using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Fit;

/// <summary>Fit's options on a model with two inputs and two outputs: the one training loop serves both.</summary>
public class MultiOutputFitOptionsTests
{
    private static (Model Model, Tensor[] X, Tensor[] Y) TwoByTwo()
    {
        NormLabRandom.SetSeed(21);
        var a = new Input([4], name: "a");
        var b = new Input([3], name: "b");
        var h = new Dense(6, activation: "tanh").Call(new Concatenate().Call([a, b]));
        var model = new Model([a, b], [new Dense(3, activation: "softmax", name: "cls").Call(h), new Dense(1, name: "reg").Call(h)]);
        model.Compile(optimizer: new NormLab.Optimizers.SGD(learningRate: 0.05), loss: ["sparse_categorical_crossentropy", "mse"], lossWeights: [1.0, 0.5]);
        var x = new[] { GradCheck.Uniform(1, -1, 1, 12, 4), GradCheck.Uniform(2, -1, 1, 12, 3) };
        var y = new[] { Tensor.RandInt(0, 3, 12), GradCheck.Uniform(3, -1, 1, 12, 1) };
        return (model, x, y);
    }

    [Fact]
    public void SampleWeightsScaleEveryOutputsLoss()
    {
        var (model, x, y) = TwoByTwo();
        var plain = model.Evaluate(x, y, batchSize: 5);
        var doubled = model.Evaluate(x, y, batchSize: 5, sampleWeight: Tensor.Full([12], 2));
        foreach (var key in new[] { "loss", "cls_loss", "reg_loss" })
            Assert.Equal(2 * plain[key], doubled[key], 1e-5);
    }

    [Fact]
    public void StepsValidationFrequencyAndInitialEpochWorkWithArrays()
    {
        var (model, x, y) = TwoByTwo();
        var history = model.Fit(x, y, epochs: 4, batchSize: 4, initialEpoch: 1, stepsPerEpoch: 2, validationData: (x, y),
            validationFreq: 2, verbose: 0);
        Assert.Equal(3, history["loss"].Count);
        Assert.Equal(2, history["val_cls_loss"].Count(double.IsFinite));   // epochs 2 and 4 (1-based), as Keras's validation_freq
        Assert.Contains("reg_loss", history.Keys);
        var classWeighted = Assert.Throws<ArgumentException>(() => model.Fit(x, y, classWeight: new Dictionary<int, double> { [0] = 2 }, verbose: 0));
        Assert.Contains("classWeight", classWeighted.Message);
    }
}

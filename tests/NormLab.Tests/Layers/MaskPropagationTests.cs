using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Layers;

/// Keras's supports_masking: the mask of Embedding(maskZero: true) crosses the layers that work on each
/// step alone, so an LSTM after them skips the padding, and GlobalAveragePooling1D averages the real steps.
public class MaskPropagationTests
{
    // Sample 0 is [3, 5] padded with zeros; sample 1 has no padding.
    static readonly Tensor Padded = Tensor.FromArray([3, 5, 0, 0, 2, 4, 6, 1], 2, 4);
    static readonly Tensor Unpadded = Tensor.FromArray([3, 5], 1, 2);

    public static TheoryData<string> Between => new(["dropout", "dense", "layer_norm", "activation", "relu", "gaussian_noise", "rms_norm"]);

    static Layer Make(string name) => name switch
    {
        "dropout" => new Dropout(0.5),
        "dense" => new Dense(4, activation: "tanh"),
        "layer_norm" => new LayerNormalization(),
        "activation" => new Activation("tanh"),
        "relu" => new ReLU(),
        "gaussian_noise" => new GaussianNoise(0.3),
        "rms_norm" => new RMSNormalization(),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Between))]
    public void LstmAfterAMaskingLayerSkipsThePadding(string between)
    {
        var model = new Sequential([new Embedding(10, 4, maskZero: true), Make(between), new LSTM(3)]);
        var padded = model.Predict(Padded);
        var alone = model.Predict(Unpadded);
        // Batches of one and two may round differently inside the kernels: equal to float precision.
        for (int j = 0; j < 3; j++)
            Assert.True(Math.Abs(alone[0, j] - padded[0, j]) <= 1e-5, $"unit {j}: {padded[0, j]} padded vs {alone[0, j]} alone");
    }

    [Fact]
    public void WithoutMaskZeroThePaddingChangesTheOutput()
    {
        // The check above can fail: the same model reading the zeros as tokens gives another output.
        var model = new Sequential([new Embedding(10, 4), new Dense(4, activation: "tanh"), new LSTM(3)]);
        var padded = model.Predict(Padded);
        var alone = model.Predict(Unpadded);
        Assert.Contains(Enumerable.Range(0, 3), j => Math.Abs(alone[0, j] - padded[0, j]) > 1e-4);
    }

    [Fact]
    public void GlobalAveragePooling1DAveragesTheRealSteps()
    {
        var embedding = new Embedding(10, 4, maskZero: true);
        var pooled = new Sequential([embedding, new GlobalAveragePooling1D()]).Predict(Padded);
        var table = embedding.GetWeights()[0];
        for (int c = 0; c < 4; c++)
        {
            Assert.True(Math.Abs((table[3, c] + table[5, c]) / 2 - pooled[0, c]) <= 1e-6);
            Assert.True(Math.Abs((table[2, c] + table[4, c] + table[6, c] + table[1, c]) / 4 - pooled[1, c]) <= 1e-6);
        }
    }

    [Fact]
    public void TheMaskCrossesAFunctionalGraph()
    {
        var embedding = new Embedding(10, 4, maskZero: true);
        var dense = new Dense(4);
        var ids = new Input([4], name: "ids");
        var model = new Model(ids, new GlobalAveragePooling1D().Call(new Dropout(0.2).Call(dense.Call(embedding.Call(ids)))));
        var pooled = model.Predict(Padded);
        // Sample 0's average is over its two real steps only.
        var realSteps = Ops.Mean(dense.Call(embedding.Call(Unpadded)), [1]);
        for (int c = 0; c < 4; c++) Assert.True(Math.Abs(realSteps[0, c] - pooled[0, c]) <= 1e-5);
    }

    [Fact]
    public void LayersThatMixStepsDropTheMask()
    {
        var x = new Embedding(10, 4, maskZero: true).Call(Padded);
        Assert.NotNull(x.Mask);
        Assert.Null(new Conv1D(2, 3, padding: "same").Call(x).Mask);
        Assert.NotNull(new Dense(2).Call(x).Mask);
    }
}

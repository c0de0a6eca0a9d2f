using NormLab.Layers;
using NormLab.Losses;
using NormLab.Optimizers;
using Xunit;
using static NormLab.Tests.GradCheck;

namespace NormLab.Tests.Losses;

/// <summary>A user subclass of Loss written with tensor ops, differentiated by autograd, in Compile/Fit.</summary>
public class CustomLossTests
{
    /// <summary>Mean squared error as a user would write it: no gradient code.</summary>
    private sealed class OpsMeanSquaredError : Loss
    {
        public override Tensor Call(Tensor yTrue, Tensor yPred) => Ops.Mean(Ops.Square(Ops.Sub(yPred, yTrue)), [1]);
    }

    /// <summary>Returns one loss per value, (batch, width): Compute averages them all, as Keras.</summary>
    private sealed class ElementLoss : Loss
    {
        public override Tensor Call(Tensor yTrue, Tensor yPred) => Ops.Abs(Ops.Sub(yPred, yTrue));
    }

    private static Sequential Model(Loss loss)
    {
        NormLabRandom.SetSeed(5);
        var model = new Sequential([new Dense(4, activation: "tanh"), new Dense(2)]);
        model.Compile(new SGD(learningRate: 0.1), loss);
        return model;
    }

    [Fact]
    public void CustomLoss_TrainsLikeTheFusedBuiltin()
    {
        var x = Uniform(1, -1, 1, 16, 3);
        var y = Uniform(2, -1, 1, 16, 2);
        var custom = Model(new OpsMeanSquaredError()).Fit(x, y, epochs: 3, batchSize: 8, shuffle: false, verbose: 0);
        var builtin = Model(new MeanSquaredError()).Fit(x, y, epochs: 3, batchSize: 8, shuffle: false, verbose: 0);
        for (int epoch = 0; epoch < 3; epoch++) Assert.Equal(builtin["loss"][epoch], custom["loss"][epoch], 5);
        Assert.True(custom["loss"][2] < custom["loss"][0]);
        Assert.Equal("ops_mean_squared_error", new OpsMeanSquaredError().Name);
    }

    [Fact]
    public void CustomLoss_GradientAndSampleWeights()
    {
        var y = Uniform(3, -1, 1, 4, 3);
        var weights = Tensor.FromArray([0f, 1f, 2f, 0.5f], 4);
        Check(t => new OpsMeanSquaredError().Compute(y, t[0], weights), [Uniform(4, -1, 1, 4, 3)], what: "custom mse");
        // Weighted per-value losses: sum w_i |d_ij| / (batch * width).
        var p = Tensor.FromArray([1f, 2f, 0f, 0f, 3f, 3f, 1f, 1f], 4, 2);
        float value = new ElementLoss().Compute(Tensor.Zeros(4, 2), p, weights).Item();
        Assert.Equal((0 * 3 + 1 * 0 + 2 * 6 + 0.5 * 2) / 8.0, value, 5);
    }

    [Fact]
    public void CustomLoss_WrongShape_NamesTheClass()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ScalarLoss().Compute(Tensor.Zeros(4, 2), Tensor.Ones(4, 2)));
        Assert.Contains("ScalarLoss.Call", error.Message);
        Assert.Contains("()", error.Message);
    }

    private sealed class ScalarLoss : Loss
    {
        public override Tensor Call(Tensor yTrue, Tensor yPred) => Ops.Mean(Ops.Sub(yPred, yTrue));
    }
}

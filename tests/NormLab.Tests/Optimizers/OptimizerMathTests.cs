using NormLab.Optimizers;
using Xunit;

namespace NormLab.Tests.Optimizers;

/// <summary>One or two update steps checked against Keras's formulas computed by hand in double.</summary>
public class OptimizerMathTests
{
    private static (Tensor w, float[] initial, float[] grad) Weight()
    {
        float[] initial = [0.5f, -1.25f, 2f, 0.1f];
        float[] grad = [0.3f, -0.7f, 1.5f, -0.02f];
        var w = Tensor.FromArray(initial, 4);
        w.RequiresGrad = true;
        w.Grad = Tensor.FromArray(grad, 4);
        return (w, initial, grad);
    }

    [Fact]
    public void Adam_TwoSteps_MatchKeras()
    {
        var (w, initial, grad) = Weight();
        double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-7;
        var adam = new Adam(learningRate: lr);
        var expected = initial.Select(v => (double)v).ToArray();
        var m = new double[4];
        var v = new double[4];
        for (int t = 1; t <= 2; t++)
        {
            adam.Apply([w]);
            // Keras: alpha = lr sqrt(1 - b2^t) / (1 - b1^t); m += (g - m)(1 - b1); v += (g² - v)(1 - b2); w -= alpha m / (sqrt v + eps)
            double alpha = lr * Math.Sqrt(1 - Math.Pow(b2, t)) / (1 - Math.Pow(b1, t));
            for (int i = 0; i < 4; i++)
            {
                m[i] += (grad[i] - m[i]) * (1 - b1);
                v[i] += (grad[i] * grad[i] - v[i]) * (1 - b2);
                expected[i] -= alpha * m[i] / (Math.Sqrt(v[i]) + eps);
            }
            for (int i = 0; i < 4; i++) Assert.Equal(expected[i], w.ToArray()[i], 1e-5);
        }
        // The first Adam step moves each weight by about lr against the gradient's sign.
        for (int i = 0; i < 4; i++) Assert.Equal(-Math.Sign(grad[i]), Math.Sign(w.ToArray()[i] - initial[i]));
        Assert.Equal(2, adam.Iterations);
    }

    [Fact]
    public void AdamW_DecaysThenAdam()
    {
        var (w, initial, grad) = Weight();
        double lr = 0.01, wd = 0.1;
        new AdamW(learningRate: lr, weightDecay: wd).Apply([w]);
        for (int i = 0; i < 4; i++)
        {
            double decayed = initial[i] * (1 - lr * wd);
            // First step: m̂ / sqrt(v̂) = g / |g|.
            double expected = decayed - lr * grad[i] / (Math.Abs(grad[i]) + 1e-7 * Math.Sqrt(1 - 0.999) / 1);
            Assert.Equal(expected, w.ToArray()[i], 1e-5);
        }
    }

    [Theory]
    [InlineData(0.0, false)]
    [InlineData(0.9, false)]
    [InlineData(0.9, true)]
    public void SGD_TwoSteps_MatchKeras(double momentum, bool nesterov)
    {
        var (w, initial, grad) = Weight();
        double lr = 0.1;
        var sgd = new SGD(learningRate: lr, momentum: momentum, nesterov: nesterov);
        var expected = initial.Select(v => (double)v).ToArray();
        var velocity = new double[4];
        for (int t = 0; t < 2; t++)
        {
            sgd.Apply([w]);
            for (int i = 0; i < 4; i++)
            {
                if (momentum == 0) { expected[i] -= lr * grad[i]; continue; }
                // Keras: v = momentum v - lr g; w += nesterov ? momentum v - lr g : v
                velocity[i] = momentum * velocity[i] - lr * grad[i];
                expected[i] += nesterov ? momentum * velocity[i] - lr * grad[i] : velocity[i];
            }
            for (int i = 0; i < 4; i++) Assert.Equal(expected[i], w.ToArray()[i], 1e-5);
        }
    }

    [Fact]
    public void RMSprop_TwoSteps_MatchKeras()
    {
        var (w, initial, grad) = Weight();
        double lr = 0.01, rho = 0.9, eps = 1e-7;
        var rms = new RMSprop(learningRate: lr);
        var expected = initial.Select(v => (double)v).ToArray();
        var velocity = new double[4];
        for (int t = 0; t < 2; t++)
        {
            rms.Apply([w]);
            for (int i = 0; i < 4; i++)
            {
                velocity[i] = rho * velocity[i] + (1 - rho) * grad[i] * grad[i];
                expected[i] -= lr * grad[i] / Math.Sqrt(velocity[i] + eps);
            }
            for (int i = 0; i < 4; i++) Assert.Equal(expected[i], w.ToArray()[i], 1e-5);
        }
    }

    [Fact]
    public void Defaults_FollowKeras()
    {
        Assert.Equal(0.001, new Adam().LearningRate);
        Assert.Equal(0.01, new SGD().LearningRate);
        Assert.Equal(0.001, new RMSprop().LearningRate);
        Assert.IsType<Adam>(Optimizer.Get("adam"));
        Assert.IsType<AdamW>(Optimizer.Get("AdamW"));
        Assert.IsType<SGD>((Optimizer)"sgd");
        Assert.IsType<RMSprop>((Optimizer)"rmsprop");
        Assert.IsType<Nadam>(Optimizer.Get("nadam"));
        Assert.IsType<Adagrad>(Optimizer.Get("adagrad"));
        Assert.IsType<Adadelta>(Optimizer.Get("adadelta"));
        Assert.IsType<Adamax>(Optimizer.Get("adamax"));
        Assert.IsType<Lion>(Optimizer.Get("lion"));
        Assert.IsType<Adafactor>(Optimizer.Get("adafactor"));
        foreach (var name in new[] { "nadam", "adagrad", "adadelta", "adamax", "lion", "adafactor" })
            Assert.Equal(0.001, Optimizer.Get(name).LearningRate);
        Assert.Contains("adafactor", Assert.Throws<ArgumentException>(() => Optimizer.Get("adamm")).Message);
    }

    public static TheoryData<string, Func<Optimizer>> BadHyperparameters => new()
    {
        { "learningRate", () => new Adam(learningRate: 0) },
        { "learningRate", () => new SGD(learningRate: double.NaN) },
        { "beta1", () => new Adam(beta1: 1) },          // bias correction 1 - beta1^t = 0: every step NaN
        { "beta2", () => new AdamW(beta2: -0.1) },
        { "epsilon", () => new Adam(epsilon: -1e-7) },
        { "weightDecay", () => new AdamW(weightDecay: -0.01) },
        { "momentum", () => new SGD(momentum: 1.5) },   // Keras: "`momentum` must be a float between [0, 1]."
        { "rho", () => new RMSprop(rho: 1) },
        { "momentum", () => new RMSprop(momentum: -0.5) },
        { "beta1", () => new Nadam(beta1: 1) },
        { "epsilon", () => new Adagrad(epsilon: -1) },
        { "initialAccumulatorValue", () => new Adagrad(initialAccumulatorValue: -0.1) },
        { "rho", () => new Adadelta(rho: 1.5) },
        { "beta1", () => new Adamax(beta1: -0.1) },
        { "beta1", () => new Lion(beta1: 0) },          // Keras: beta_1 = 0 degenerates to SignSGD
        { "beta2", () => new Lion(beta2: 1.01) },
        { "clipThreshold", () => new Adafactor(clipThreshold: 0) },
        { "beta2Decay", () => new Adafactor(beta2Decay: 0.5) },
        { "clipnorm", () => new SGD(clipnorm: 0) },
        { "clipvalue", () => new Adam(clipvalue: -1) },
        { "globalClipnorm", () => new Lion(globalClipnorm: double.PositiveInfinity) },
        { "only one of clipnorm, clipvalue and globalClipnorm", () => new Adam(clipnorm: 1, clipvalue: 0.5) },
        { "weightDecay", () => new SGD(weightDecay: -0.1) },
        { "emaMomentum", () => new Adam(useEma: true, emaMomentum: 1.5) },
        { "emaOverwriteFrequency", () => new RMSprop(useEma: true, emaOverwriteFrequency: 0) },
    };

    [Theory]
    [MemberData(nameof(BadHyperparameters))]
    public void HyperparametersOutOfRange_AreRejectedWhenCreated(string name, Func<Optimizer> create)
    {
        var e = Assert.Throws<ArgumentException>(create);
        Assert.Contains(name, e.Message);
        Assert.Contains("received", e.Message);
        Assert.Matches("^(Adam|AdamW|SGD|RMSprop|Nadam|Adagrad|Adadelta|Adamax|Lion|Adafactor): ", e.Message);
    }

    [Fact]
    public void LearningRate_SetBySchedule_IsChecked()
    {
        var adam = new Adam();
        adam.LearningRate = 1e-4;
        Assert.Equal(1e-4, adam.LearningRate);
        Assert.Contains("learningRate", Assert.Throws<ArgumentException>(() => adam.LearningRate = -1).Message);
        Assert.Throws<ArgumentException>(() => adam.LearningRate = double.PositiveInfinity);
        Assert.Equal(1e-4, adam.LearningRate);
    }

    [Fact]
    public void WeightsWithoutGradient_AreLeftAlone_AndTakeNoStep()
    {
        var w = Tensor.FromArray([1f, 2f], 2);
        var adam = new Adam(weightDecay: 0.5);
        adam.Apply([w]);
        Assert.Equal([1f, 2f], w.ToArray());
        Assert.Equal(0, adam.Iterations);
    }

    [Fact]
    public void GlobalClipnorm_OfNonFiniteGradients_GivesNaN_AsKeras()
    {
        var (w, _, _) = Weight();
        w.Grad = Tensor.FromArray([float.PositiveInfinity, 1f, 1f, 1f], 4);
        new SGD(globalClipnorm: 1).Apply([w]);
        Assert.All(w.ToArray(), v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void Ema_IsWrittenIntoTheWeights_AtTheEndOfFit()
    {
        NormLabRandom.SetSeed(3);
        var x = Tensor.Rand(32, 4);
        var y = Tensor.RandInt(0, 2, 32);
        var model = new Sequential([new NormLab.Layers.Dense(2, activation: "softmax", inputShape: [4])]);
        double momentum = 0.9;
        model.Compile(optimizer: new SGD(learningRate: 0.5, useEma: true, emaMomentum: momentum), loss: "sparse_categorical_crossentropy");
        // Without emaOverwriteFrequency the weights follow plain SGD during Fit: average them after each step.
        double[]? average = null;
        var record = new Callbacks.LambdaCallback(onBatchEnd: (_, _) =>
        {
            var kernel = model.Weights[0].ToArray();
            average = average == null ? kernel.Select(v => (double)v).ToArray() : average.Zip(kernel, (a, w) => momentum * a + (1 - momentum) * w).ToArray();
        });
        model.Fit(x, y, epochs: 2, batchSize: 8, shuffle: false, verbose: 0, callbacks: [record]);
        var final = model.Weights[0].ToArray();
        for (int i = 0; i < final.Length; i++) Assert.Equal(average![i], final[i], 5);
    }
}

using NormLab.Layers;

namespace NormLab.Examples;

/// <summary>Dense(64, relu) → BatchNormalization → Dense(10, softmax) on 784 features, with default and with explicit BN arguments.</summary>
public static class MlpBatchNorm
{
    /// <summary>With BatchNormalization's defaults.</summary>
    public static History Run(int samples, int epochs, int verbose) => Train(new BatchNormalization(), samples, epochs, verbose);

    /// <summary>With every argument spelled out (the values are Keras's defaults).</summary>
    public static History RunExplicit(int samples, int epochs, int verbose) => Train(
        new BatchNormalization(momentum: 0.99, epsilon: 0.001, center: true, scale: true,
            betaInitializer: "zeros", gammaInitializer: "ones",
            movingMeanInitializer: "zeros", movingVarianceInitializer: "ones"),
        samples, epochs, verbose);

    private static History Train(BatchNormalization norm, int samples, int epochs, int verbose)
    {
        var x = Tensor.Rand(samples, 784);
        var y = Tensor.RandInt(0, 10, samples);
        var model = new Sequential([
            new Dense(64, activation: "relu", inputShape: [784]),
            norm,
            new Dense(10, activation: "softmax"),
        ]);
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return model.Fit(x, y, epochs: epochs, batchSize: 32, verbose: verbose);
    }
}

using NormLab.Layers;

namespace NormLab.Examples;

/// <summary>The foundation CNN with BatchNormalization after each Conv2D, on random 28x28x1 images.</summary>
public static class CnnBatchNorm
{
    /// <summary>Trains on random data, as the Keras snippet does.</summary>
    public static History Run(int samples, int epochs, int verbose)
    {
        var x = Tensor.Rand(samples, 28, 28, 1);
        var y = Tensor.RandInt(0, 10, samples);
        var model = new Sequential([
            new Conv2D(32, (3, 3), padding: "same", activation: "relu", inputShape: [28, 28, 1]),
            new BatchNormalization(),
            new Conv2D(64, (3, 3), padding: "same", activation: "relu"),
            new BatchNormalization(),
            new MaxPooling2D((2, 2)),
            new Flatten(),
            new Dense(10, activation: "softmax"),
        ]);
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return model.Fit(x, y, epochs: epochs, batchSize: 32, verbose: verbose);
    }
}

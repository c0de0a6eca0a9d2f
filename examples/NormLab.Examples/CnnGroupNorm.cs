using NormLab.Layers;

namespace NormLab.Examples;

/// <summary>The CNN on 28x28x3 input with GroupNormalization(groups: 4) after each Conv2D.</summary>
public static class CnnGroupNorm
{
    /// <summary>Trains on random data, as the Keras snippet does.</summary>
    public static History Run(int samples, int epochs, int verbose)
    {
        var x = Tensor.Rand(samples, 28, 28, 3);
        var y = Tensor.RandInt(0, 10, samples);
        var model = new Sequential([
            new Conv2D(32, (3, 3), padding: "same", activation: "relu", inputShape: [28, 28, 3]),
            new GroupNormalization(groups: 4),
            new Conv2D(64, (3, 3), padding: "same", activation: "relu"),
            new GroupNormalization(groups: 4),
            new MaxPooling2D((2, 2)),
            new Flatten(),
            new Dense(10, activation: "softmax"),
        ]);
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return model.Fit(x, y, epochs: epochs, batchSize: 32, verbose: verbose);
    }
}

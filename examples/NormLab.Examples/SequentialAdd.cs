using NormLab.Layers;

namespace NormLab.Examples;

/// <summary>
/// A Sequential built with Add, as the classic Keras snippet: (Dense(64, uniform) → BN → tanh → Dropout(0.5)) twice,
/// then Dense(2, uniform) → BN → softmax, on 14 features.
/// </summary>
public static class SequentialAdd
{
    /// <summary>Trains on random data with SGD, as the Keras snippet does.</summary>
    public static History Run(int samples, int epochs, int verbose)
    {
        var x = Tensor.Rand(samples, 14);
        var y = Tensor.RandInt(0, 2, samples);
        var model = new Sequential();
        model.Add(new Dense(64, inputDim: 14, kernelInitializer: "uniform"));
        model.Add(new BatchNormalization());
        model.Add(new Activation("tanh"));
        model.Add(new Dropout(0.5));
        model.Add(new Dense(64, kernelInitializer: "uniform"));
        model.Add(new BatchNormalization());
        model.Add(new Activation("tanh"));
        model.Add(new Dropout(0.5));
        model.Add(new Dense(2, kernelInitializer: "uniform"));
        model.Add(new BatchNormalization());
        model.Add(new Activation("softmax"));
        model.Compile(optimizer: "sgd", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return model.Fit(x, y, epochs: epochs, batchSize: 32, verbose: verbose);
    }
}

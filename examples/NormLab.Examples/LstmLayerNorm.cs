using NormLab.Layers;

namespace NormLab.Examples;

/// <summary>Embedding → LSTM → LayerNormalization → LSTM → LayerNormalization → Dense on integer sequences of length 20.</summary>
public static class LstmLayerNorm
{
    /// <summary>Trains on random token ids, as the Keras snippet does.</summary>
    public static History Run(int samples, int epochs, int verbose)
    {
        var x = Tensor.RandInt(0, 1000, samples, 20);
        var y = Tensor.RandInt(0, 10, samples);
        var model = new Sequential([
            new Embedding(1000, 64, inputLength: 20),
            new LSTM(128, returnSequences: true),
            new LayerNormalization(),
            new LSTM(128),
            new LayerNormalization(),
            new Dense(10, activation: "softmax"),
        ]);
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return model.Fit(x, y, epochs: epochs, batchSize: 32, verbose: verbose);
    }
}

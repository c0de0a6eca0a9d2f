using NormLab.Data;
using NormLab.Distributed;
using NormLab.Layers;

namespace NormLab.Cli;

/// <summary>`normlab train`: a small CNN on the built-in synthetic shapes, with Keras's progress bar.</summary>
internal static class TrainCommand
{
    internal static int Run(Options options)
    {
        int epochs = options.Int("epochs", 3, min: 1);
        int batchSize = options.Int("batch-size", 32, min: 1);
        int samples = options.Int("samples", 4000, min: 10);
        int seed = options.Int("seed", 42);
        bool distributed = options.Flag("distributed");
        // Under mpirun -np K, each rank gets its share of the cores by default.
        int ranks = distributed ? Communicator.World.Size : 1;
        int threads = options.Int("threads", Math.Max(1, Environment.ProcessorCount / ranks), min: 1);
        string output = options.String("out", "model.normlab");
        options.RejectUnknown();
        bool root = !distributed || Communicator.World.IsRoot;

        NormLabConfig.Threads = threads;
        NormLabRandom.SetSeed(seed);
        var (x, y) = SyntheticShapes.Generate(samples);
        var (testX, testY) = SyntheticShapes.Generate(Math.Max(200, samples / 5));
        var model = new Sequential([
            new Conv2D(16, (3, 3), padding: "same", activation: "relu", inputShape: [SyntheticShapes.Size, SyntheticShapes.Size, 1]),
            new MaxPooling2D((2, 2)),
            new Conv2D(32, (3, 3), padding: "same", activation: "relu"),
            new MaxPooling2D((2, 2)),
            new Flatten(),
            new Dense(SyntheticShapes.Classes, activation: "softmax"),
        ]);
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        if (root) model.Summary();
        if (distributed && root) Console.WriteLine($"Data-parallel over {ranks} rank(s): global batch {batchSize}, {threads} thread(s) per rank");
        model.Fit(x, y, epochs: epochs, batchSize: batchSize, validationSplit: 0.1, distributed: distributed);
        if (!root) return 0;
        var scores = model.Evaluate(testX, testY);
        Console.WriteLine($"Test accuracy: {scores["accuracy"]:P2} (loss {scores["loss"]:F4}) on {testX.Dim(0)} held-out images");
        model.Save(output);
        Console.WriteLine($"Saved the model to {Path.GetFullPath(output)}");
        return 0;
    }
}

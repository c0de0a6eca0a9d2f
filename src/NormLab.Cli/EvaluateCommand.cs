using NormLab.Cli.Lab;

namespace NormLab.Cli;

/// <summary>`normlab evaluate MODEL`: a saved model's loss and accuracy on a dataset's test images.</summary>
internal static class EvaluateCommand
{
    internal const string Usage = "normlab evaluate MODEL [--data DIR|subset|full] [--test-samples N] [--threads N]";

    internal static int Run(Options options)
    {
        string path = options.Positional ?? throw new ArgumentException("evaluate needs a model file: normlab evaluate MODEL [--data DIR].");
        string? data = options.Has("data") ? options.String("data", "") : null;
        int? testSamples = options.OptionalInt("test-samples", min: 1);
        NormLabConfig.Threads = options.Int("threads", Environment.ProcessorCount, min: 1);
        options.RejectUnknown();
        if (!File.Exists(path)) throw new ArgumentException($"the model file '{path}' does not exist.");

        var model = Model.Load(path);
        var dataset = DataLocator.Load(data).Take(0, testSamples);
        // An LSTM model reads each image as a sequence of rows: (h, w·c) instead of (h, w, c).
        string arch = model.BuiltInputShape?.Length == 3 ? "rnn" : "cnn";
        var x = Architectures.Shape(arch, dataset.TestImages);
        var scores = model.Evaluate(x, dataset.TestLabels, batchSize: 256);
        Console.WriteLine($"{Path.GetFileName(path)} on {dataset.Source} ({x.Dim(0):N0} test images): accuracy {scores["accuracy"] * 100:F2}%, loss {scores["loss"]:F4}");
        return 0;
    }
}

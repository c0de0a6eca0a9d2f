using System.Globalization;
using NormLab.Cli.Lab;
using NormLab.Callbacks;
using NormLab.Distributed;
using NormLab.Layers;

namespace NormLab.Cli;

/// <summary>`normlab train`: one model chosen by flags, trained with Keras's progress bar, evaluated and saved.</summary>
internal static class TrainCommand
{
    internal const string Usage =
        "normlab train [--arch cnn|mlp|rnn|vit|transformer|resnet|plain-mlp|plain-cnn] [--depth 8 (plain-*)] [--norm batch] [--placement before|after|post|pre|sandwich] [--epochs 3] [--batch-size 32]\n" +
        "              [--data DIR|subset|full] [--train-samples N] [--test-samples N] [--learning-rate 0.001] [--lr-decay 1] [--seed 42] [--threads N] [--out model.normlab]\n" +
        "              [--distributed]   data-parallel over MPI: mpirun -np K normlab train --distributed";

    internal static int Run(Options options)
    {
        string arch = options.String("arch", "cnn");
        var norm = NormalizationCatalog.Get(options.String("norm", "batch"));
        var placement = options.String("placement", Architectures.DefaultPlacement(arch)) switch
        {
            "before" => Placement.Before,
            "after" => Placement.After,
            "post" => Placement.Post,
            "pre" => Placement.Pre,
            "sandwich" => Placement.Sandwich,
            var other => throw new ArgumentException($"--placement takes before or after (post, pre or sandwich for --arch vit and transformer), received '{other}'."),
        };
        // The plain nets' number of normalized hidden layers; the other architectures have a fixed depth.
        int? depth = Architectures.HasDepth(arch) || options.Has("depth") ? options.Int("depth", 8, min: 1) : null;
        int epochs = options.Int("epochs", 3, min: 1);
        int batchSize = options.Int("batch-size", 32, min: 1);
        int? trainSamples = options.OptionalInt("train-samples", min: 1) ?? options.OptionalInt("samples", min: 1);
        int? testSamples = options.OptionalInt("test-samples", min: 1);
        double learningRate = options.Double("learning-rate", 1e-3, 0);
        double decay = options.Double("lr-decay", 1, 0, 1);
        int seed = options.Int("seed", 42);
        bool distributed = options.Flag("distributed");
        // Under mpirun -np K, each rank gets its share of the cores by default.
        int ranks = distributed ? Communicator.World.Size : 1;
        int threads = options.Int("threads", Math.Max(1, Environment.ProcessorCount / ranks), min: 1);
        string? data = options.Has("data") ? options.String("data", "") : null;
        string output = options.String("out", "model.normlab");
        options.RejectUnknown();
        bool root = !distributed || Communicator.World.IsRoot;
        if (!Architectures.Names.Contains(arch))
            throw new ArgumentException($"unknown --arch '{arch}'; expected one of {string.Join(", ", Architectures.Names)}.");
        if (root) OutputPath.Check("--out", output);

        NormLabConfig.Threads = threads;
        NormLabRandom.SetSeed(seed);
        var dataset = DataLocator.Load(data).Take(trainSamples, testSamples);
        if (distributed)
            SettingsDigest.RequireSame(Communicator.World,
            [
                ("--arch", arch), ("--norm", norm.Key), ("--placement", $"{placement}"), ("--depth", $"{depth}"), ("--epochs", $"{epochs}"), ("--batch-size", $"{batchSize}"),
                ("--learning-rate", learningRate.ToString("R", CultureInfo.InvariantCulture)), ("--lr-decay", decay.ToString("R", CultureInfo.InvariantCulture)),
                ("--seed", $"{seed}"), ("the training images (--data, --train-samples)", Shapes.Format(dataset.TrainImages.Dims)),
                ("the test images (--data, --test-samples)", Shapes.Format(dataset.TestImages.Dims)),
            ]);
        if (root) Console.WriteLine($"Data: {dataset.Source} ({dataset.TrainImages.Dim(0):N0} training, {dataset.TestImages.Dim(0):N0} test images)");
        var x = Architectures.Shape(arch, dataset.TrainImages);
        var testX = Architectures.Shape(arch, dataset.TestImages);
        int classes = (int)dataset.TrainLabels.ToArray().Max() + 1;
        var model = Architectures.Build(arch, norm, placement, dataset.TrainImages.Shape[1..], classes, depth);
        var adam = new Optimizers.Adam(learningRate: learningRate);
        model.Compile(optimizer: adam, loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        // --lr-decay d: the learning rate of epoch e (from 0) is learningRate · d^e.
        var schedule = new Callbacks.LambdaCallback(onEpochBegin: epoch => adam.LearningRate = learningRate * Math.Pow(decay, epoch));
        if (root) model.Summary();
        if (distributed && root) Console.WriteLine($"Data-parallel over {ranks} rank(s): global batch {batchSize}, {threads} thread(s) per rank");
        History history;
        try
        {
            history = model.Fit(x, dataset.TrainLabels, epochs: epochs, batchSize: batchSize, validationData: (testX, dataset.TestLabels),
                callbacks: [schedule, new TerminateOnNaN()], distributed: distributed);
        }
        catch (InvalidOperationException e) when (MovingAverage.IsNonFiniteStatistics(e))
        {
            throw Diverged(e.Message);
        }
        // A NaN model is worth nothing and would overwrite a good one: stop, save nothing, exit non-zero.
        if (history["loss"].Any(l => !double.IsFinite(l)) || model.Weights.Any(w => w.Data.Any(v => !float.IsFinite(v))))
            throw Diverged("the loss or the weights became NaN or infinite.");
        if (!root) return 0;
        var scores = model.Evaluate(testX, dataset.TestLabels, batchSize: 256);
        Console.WriteLine($"Test accuracy: {scores["accuracy"] * 100:F2}% (loss {scores["loss"]:F4}) on {testX.Dim(0):N0} test images");
        model.Save(output);
        Console.WriteLine($"Saved the model to {Path.GetFullPath(output)}");
        return 0;
    }

    private static InvalidOperationException Diverged(string why) =>
        new($"training diverged: {why} The model was not saved; try a lower --learning-rate.");
}

using NormLab.Layers;

namespace NormLab.Examples.Guides;

/// <summary>
/// Keras's guide "Transfer learning and fine-tuning", in C#: freezing layers (Trainable = false moves weights to
/// non-trainable and is recursive), then the workflow: a frozen base called with training: false, a new head
/// trained on top, then the base unfrozen and the whole model recompiled and fine-tuned at a low learning rate.
/// The guide's Xception base is replaced by a small convolutional base with BatchNormalization.
/// </summary>
public static class TransferLearningGuide
{
    /// <summary>The weights counts the guide prints: (all, trainable, non-trainable) for Dense, BatchNormalization and a frozen Dense.</summary>
    public static (int all, int trainable, int nonTrainable)[] WeightCounts()
    {
        var dense = new Dense(3);
        dense.Build([1, 4]);
        var bn = new BatchNormalization();
        bn.Build([1, 4]);
        var frozen = new Dense(3);
        frozen.Build([1, 4]);
        frozen.Trainable = false;
        return [Counts(dense), Counts(bn), Counts(frozen)];
    }

    /// <summary>A frozen layer in a trained model: layer1's weights after Fit equal those before.</summary>
    public static (Tensor[] before, Tensor[] after) FrozenLayerDoesNotTrain()
    {
        var layer1 = new Dense(3, activation: "relu", inputShape: [3]);
        var layer2 = new Dense(3, activation: "sigmoid");
        var model = new Sequential([layer1, layer2]);
        layer1.Trainable = false;
        var before = layer1.GetWeights();
        model.Compile(optimizer: "adam", loss: "mse");
        model.Fit(Tensor.Rand(2, 3), Tensor.Rand(2, 3), verbose: 0);
        return (before, layer1.GetWeights());
    }

    /// <summary>Trainable is recursive: freezing the outer model freezes the inner model and its layers.</summary>
    public static (Sequential outer, Sequential inner) RecursiveFreeze()
    {
        var innerModel = new Sequential([new Dense(3, activation: "relu", inputShape: [3]), new Dense(3, activation: "relu")]);
        var model = new Sequential([innerModel, new Dense(3, activation: "sigmoid")]);
        model.Trainable = false;
        return (model, innerModel);
    }

    /// <summary>What the end-to-end workflow records for the test to check.</summary>
    /// <param name="BaseBefore">The base's weights (moving statistics included) before any training.</param>
    /// <param name="BaseAfterFrozen">The base's weights after training the head with the base frozen.</param>
    /// <param name="BaseAfterFineTuning">The base's weights after fine-tuning.</param>
    /// <param name="MovingStatisticsNames">The names of the base's BatchNormalization moving statistics.</param>
    /// <param name="TrainableWhileFrozen">The number of trainable weights during the frozen phase.</param>
    /// <param name="TrainableWhileFineTuning">The number of trainable weights during fine-tuning.</param>
    /// <param name="Model">The model.</param>
    public sealed record Workflow(Tensor[] BaseBefore, Tensor[] BaseAfterFrozen, Tensor[] BaseAfterFineTuning,
        string[] MovingStatisticsNames, int TrainableWhileFrozen, int TrainableWhileFineTuning, Model Model);

    /// <summary>The guide's workflow on 28×28×1 images with a binary label.</summary>
    public static Workflow FreezeTrainUnfreezeFineTune(int samples, int epochs)
    {
        var x = Tensor.Rand(samples, 28, 28, 1);
        var y = Tensor.RandInt(0, 2, samples, 1);
        var baseModel = new Sequential([
            new Conv2D(8, 3, activation: "relu", inputShape: [28, 28, 1]),
            new BatchNormalization(),
            new MaxPooling2D(2),
            new Conv2D(8, 3, activation: "relu"),
            new BatchNormalization(),
        ], name: "base");
        // As a model pretrained elsewhere: its moving statistics are not the initial zeros and ones.
        baseModel.Call(x, training: true);
        baseModel.Trainable = false;

        var inputs = new Input([28, 28, 1]);
        // The base runs in inference mode even when fine-tuned later: its moving statistics are not updated.
        var h = baseModel.Call(inputs, training: false);
        h = new GlobalAveragePooling2D().Call(h);
        h = new Dropout(0.2).Call(h);
        var outputs = new Dense(1).Call(h);
        var model = new Model(inputs, outputs);

        var before = baseModel.GetWeights();
        model.Compile(optimizer: "adam", loss: new Losses.BinaryCrossentropy(fromLogits: true), metrics: ["binary_accuracy"]);
        int trainableFrozen = model.TrainableWeights.Count;
        model.Fit(x, y, epochs: epochs, batchSize: 16, verbose: 0);
        var afterFrozen = baseModel.GetWeights();

        baseModel.Trainable = true;
        model.Compile(optimizer: new Optimizers.Adam(learningRate: 1e-5), loss: new Losses.BinaryCrossentropy(fromLogits: true), metrics: ["binary_accuracy"]);
        int trainableFineTuning = model.TrainableWeights.Count;
        model.Fit(x, y, epochs: epochs, batchSize: 16, verbose: 0);
        var statistics = baseModel.Weights.Select(w => w.Name!).Where(n => n.Contains("moving")).ToArray();
        return new Workflow(before, afterFrozen, baseModel.GetWeights(), statistics, trainableFrozen, trainableFineTuning, model);
    }

    private static (int, int, int) Counts(Layer layer) => (layer.Weights.Count, layer.TrainableWeights.Count, layer.NonTrainableWeights.Count);
}

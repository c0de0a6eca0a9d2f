using System.Diagnostics;
using NormLab;
using NormLab.Bench;
using NormLab.Layers;

/// <summary>The workloads of bench/user_loop_torch.py, written as a NormLab user writes them.</summary>
internal static class UserLoopWorkloads
{
    internal static List<Workload> All()
    {
        NormLabRandom.SetSeed(0);
        var predictModel = CnnWithBatchNorm();
        var image = Tensor.Rand(1, 28, 28, 1);
        return
        [
            TrainStep("cnn_bn_b32", "CNN+BN training step, batch 32", CnnWithBatchNorm(), Tensor.Rand(32, 28, 28, 1), 32),
            TrainStep("cnn_bn_b8", "CNN+BN training step, batch 8", CnnWithBatchNorm(), Tensor.Rand(8, 28, 28, 1), 8),
            TrainStep("lstm_ln_b32", "Embedding-LSTM-LN training step, batch 32", LstmWithLayerNorm(), Tensor.RandInt(0, 1000, 32, 20), 32),
            TrainStep("mlp_bn_b128", "MLP+BN training step, batch 128", MlpWithBatchNorm(), Tensor.Rand(128, 784), 128),
            Timed("cnn_predict_b1", "CNN+BN Predict, batch 1", 10, () => predictModel.Predict(image)),
            ForwardBackward("bn_img", "BatchNormalization f+b (32, 28, 28, 64)", new BatchNormalization(), [32, 28, 28, 64]),
            ForwardBackward("gn4_img", "GroupNormalization(4) f+b (32, 28, 28, 64)", new GroupNormalization(groups: 4), [32, 28, 28, 64]),
            ForwardBackward("gn_inst_img", "GroupNormalization(-1) f+b (32, 28, 28, 64)", new GroupNormalization(groups: -1), [32, 28, 28, 64]),
            ForwardBackward("ln_img", "LayerNormalization f+b (32, 28, 28, 64)", new LayerNormalization(), [32, 28, 28, 64]),
            ForwardBackward("ln_seq", "LayerNormalization f+b (32, 20, 128)", new LayerNormalization(), [32, 20, 128]),
            ForwardBackward("bn_seq", "BatchNormalization f+b (32, 20, 128)", new BatchNormalization(), [32, 20, 128]),
        ];
    }

    private static Sequential CnnWithBatchNorm() => new([
        new Conv2D(32, (3, 3), padding: "same", inputShape: [28, 28, 1]), new BatchNormalization(), new Activation("relu"),
        new Conv2D(64, (3, 3), padding: "same"), new BatchNormalization(), new Activation("relu"),
        new MaxPooling2D((2, 2)), new Flatten(), new Dense(10, activation: "softmax")]);

    private static Sequential LstmWithLayerNorm() => new([
        new Embedding(1000, 64, inputLength: 20), new LSTM(128, returnSequences: true), new LayerNormalization(),
        new LSTM(128), new LayerNormalization(), new Dense(10, activation: "softmax")]);

    private static Sequential MlpWithBatchNorm() => new([
        new Dense(256, activation: "relu", inputShape: [784]), new BatchNormalization(), new Dense(10, activation: "softmax")]);

    /// <summary>model.TrainOnBatch(x, y) with Adam and sparse categorical cross-entropy, as compiled by a user.</summary>
    private static Workload TrainStep(string key, string label, Sequential model, Tensor x, int batch)
    {
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy");
        var y = Tensor.RandInt(0, 10, batch);
        return Timed(key, label, 1, () => model.TrainOnBatch(x, y));
    }

    /// <summary>Forward in training mode and backward from a ones seed; the gradients are set to null first, as a user's loop does.</summary>
    private static Workload ForwardBackward(string key, string label, Layer layer, int[] shape)
    {
        var x = Tensor.Rand(shape);
        x.RequiresGrad = true;
        var seed = Tensor.Ones(shape);
        return Timed(key, label, 1, () =>
        {
            x.Grad = null;
            foreach (var w in layer.TrainableWeights) w.Grad = null;
            layer.Call(x, training: true).Backward(seed);
        });
    }

    /// <summary>Milliseconds per call of <paramref name="call"/>, timed over <paramref name="calls"/> calls (batch-1 Predict is too short for one).</summary>
    private static Workload Timed(string key, string label, int calls, Action call) => new(key, label, () =>
    {
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < calls; i++) call();
        return watch.Elapsed.TotalMilliseconds / calls;
    });
}

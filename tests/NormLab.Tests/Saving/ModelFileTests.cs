using System.IO.Compression;
using System.Text;
using NormLab.Callbacks;
using NormLab.Layers;
using NormLab.Saving;
using Xunit;

namespace NormLab.Tests.Saving;

/// <summary>Model files: round trips, atomic writes, corrupt files (always FormatException), callbacks that save.</summary>
public sealed class ModelFileTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), $"normlab-saving-{Guid.NewGuid():N}");

    public ModelFileTests() => Directory.CreateDirectory(directory);

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private string PathFor(string name) => Path.Combine(directory, name);

    private static Sequential TrainedCnn()
    {
        NormLabRandom.SetSeed(21);
        var model = new Sequential([
            new Conv2D(3, 3, padding: "same", activation: "relu", inputShape: [6, 6, 2]),
            new MaxPooling2D(2),
            new Conv2D(2, 2, strides: 1, activation: "tanh"),
            new GlobalAveragePooling2D(),
            new Dense(4, activation: "gelu"),
            new Dropout(0.3),
            new Dense(3, activation: "softmax"),
        ]);
        model.Compile(optimizer: new NormLab.Optimizers.SGD(learningRate: 0.05, momentum: 0.9), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        model.Fit(Tensor.Rand(16, 6, 6, 2), Tensor.RandInt(0, 3, 16), epochs: 1, batchSize: 8, verbose: 0);
        return model;
    }

    [Fact]
    public void Sequential_RoundTrip_IdenticalPredictions_And_CompileSettings()
    {
        var model = TrainedCnn();
        var x = Tensor.Rand(5, 6, 6, 2);
        var y = Tensor.RandInt(0, 3, 5);
        string path = PathFor("cnn.normlab");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.IsType<Sequential>(loaded);
        Assert.Equal(model.Name, loaded.Name);
        Assert.Equal(model.Layers.Select(l => l.Name), loaded.Layers.Select(l => l.Name));
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        for (int i = 0; i < model.Weights.Count; i++) Assert.Equal(model.Weights[i].ToArray(), loaded.Weights[i].ToArray());
        // Compiled from the file: Evaluate works at once and agrees.
        Assert.Equal(model.Evaluate(x, y)["loss"], loaded.Evaluate(x, y)["loss"], 6);
        Assert.Equal("sparse_categorical_crossentropy", loaded.Loss!.Name);
        Assert.IsType<NormLab.Optimizers.SGD>(loaded.Optimizer);
        Assert.Equal(0.05, loaded.Optimizer!.LearningRate);
        // And it trains further.
        loaded.Fit(x, y, epochs: 1, batchSize: 5, verbose: 0);
    }

    [Fact]
    public void Sequential_Uncompiled_Lstm_Embedding_RoundTrip()
    {
        NormLabRandom.SetSeed(22);
        var model = new Sequential();
        model.Add(new Embedding(10, 4, inputLength: 5));
        model.Add(new LSTM(3, returnSequences: true));
        model.Add(new LSTM(2));
        model.Add(new Dense(1, activation: "sigmoid"));
        var x = Tensor.RandInt(0, 10, 3, 5);
        var before = model.Predict(x);
        string path = PathFor("lstm.normlab");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Null(loaded.Loss);
        Assert.Equal(before.ToArray(), loaded.Predict(x).ToArray());
    }

    [Theory]
    [InlineData("add")]
    [InlineData("concatenate")]
    public void Functional_RoundTrip(string merge)
    {
        NormLabRandom.SetSeed(23);
        var inputs = new Input([4]);
        var a = new Dense(5, activation: "relu").Call(inputs);
        var b = new Dense(5, activation: "tanh").Call(inputs);
        var joined = merge == "add" ? new Add().Call([a, b]) : new Concatenate().Call([a, b]);
        var hidden = new Dense(3, activation: "swish").Call(joined);
        var model = new Model(inputs, new Dense(2, activation: "softmax").Call(new Add().Call([hidden, new Dense(3).Call(inputs)])));
        model.Compile(optimizer: "adamw", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        var x = Tensor.RandN(6, 4);
        model.Fit(x, Tensor.RandInt(0, 2, 6), epochs: 1, batchSize: 3, verbose: 0);
        string path = PathFor("functional.normlab");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.IsNotType<Sequential>(loaded);
        Assert.Equal(model.Layers.Count, loaded.Layers.Count);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        Assert.IsType<NormLab.Optimizers.AdamW>(loaded.Optimizer);
    }

    [Fact]
    public void Save_IsAtomic_AFailedSaveLeavesTheOldFile()
    {
        var model = TrainedCnn();
        string path = PathFor("keep.normlab");
        model.Save(path);
        var original = File.ReadAllBytes(path);

        // An unbuilt model cannot be saved.
        var unbuilt = new Sequential([new Dense(2)]);
        Assert.Throws<InvalidOperationException>(() => unbuilt.Save(path));
        // A model holding a layer whose config fails fails while serializing.
        var custom = new Sequential([new Dense(2, inputShape: [3]), new Unserializable()]);
        Assert.Throws<NotSupportedException>(() => custom.Save(path));

        Assert.Equal(original, File.ReadAllBytes(path));
        var x = Tensor.Rand(2, 6, 6, 2);
        Assert.Equal(model.Predict(x).ToArray(), Model.Load(path).Predict(x).ToArray());
        Assert.Equal(["keep.normlab"], Directory.GetFiles(directory).Select(Path.GetFileName));
    }

    [Fact]
    public void Save_OverwritesAnExistingFile()
    {
        string path = PathFor("overwrite.normlab");
        TrainedCnn().Save(path);
        NormLabRandom.SetSeed(24);
        var second = new Sequential([new Dense(2, inputShape: [3])]);
        second.Save(path);
        var x = Tensor.Rand(2, 3);
        Assert.Equal(second.Predict(x).ToArray(), Model.Load(path).Predict(x).ToArray());
        Assert.Single(Directory.GetFiles(directory));
    }

    private sealed class Unserializable() : Layer("unserializable")
    {
        protected override Tensor Forward(Tensor x, bool training) => x;

        public override System.Text.Json.Nodes.JsonObject GetConfig() => throw new NotSupportedException("Unserializable has no config.");
    }

    // ---- corrupt files: always FormatException ----

    private string Saved()
    {
        string path = PathFor($"{Guid.NewGuid():N}.normlab");
        TrainedCnn().Save(path);
        return path;
    }

    private static void AssertFormatException(string path)
    {
        var e = Assert.Throws<FormatException>(() => Model.Load(path));
        Assert.Contains(Path.GetFileName(path), e.Message);
    }

    [Fact]
    public void Corrupt_RandomBytes()
    {
        string path = PathFor("random.normlab");
        var bytes = new byte[4096];
        new Random(1).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        AssertFormatException(path);
        File.WriteAllBytes(path, []);
        AssertFormatException(path);
    }

    [Fact]
    public void Crc32_HasTheStandardCheckValue() => Assert.Equal(0xCBF43926u, Crc32.Of("123456789"u8));

    [Fact]
    public void Corrupt_FlippedBytes_NeverLoadAChangedModel()
    {
        // One to four bytes changed anywhere in the file: the load fails with FormatException, or the model
        // predicts exactly as the saved one (a byte of zip metadata that nothing reads). Without the entries'
        // CRC check, 638 of 3,000 such files loaded silently with different weights.
        string path = Saved();
        var original = File.ReadAllBytes(path);
        var probe = GradCheck.Uniform(5, -1, 1, 3, 6, 6, 2);
        var expected = Model.Load(path).Predict(probe).ToArray();
        var rng = new Random(4);
        for (int it = 0; it < 300; it++)
        {
            var bytes = (byte[])original.Clone();
            for (int k = rng.Next(1, 5); k > 0; k--) bytes[rng.Next(bytes.Length)] ^= (byte)rng.Next(1, 256);
            File.WriteAllBytes(path, bytes);
            Model loaded;
            try { loaded = Model.Load(path); }
            catch (FormatException e) { Assert.Contains(Path.GetFileName(path), e.Message); continue; }
            Assert.Equal(expected, loaded.Predict(probe).ToArray());
        }
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.1)]
    public void Corrupt_Truncated(double keep)
    {
        string path = Saved();
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(int)(bytes.Length * keep)]);
        AssertFormatException(path);
    }

    /// <summary>Rewrites the zip, letting <paramref name="edit"/> replace (or drop, with null) each entry's bytes.</summary>
    private static void Rewrite(string path, Func<string, byte[], byte[]?> edit)
    {
        var entries = new List<(string name, byte[] data)>();
        using (var zip = ZipFile.OpenRead(path))
            foreach (var entry in zip.Entries)
            {
                using var stream = entry.Open();
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                entries.Add((entry.FullName, buffer.ToArray()));
            }
        File.Delete(path);
        using var output = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, data) in entries)
        {
            var replaced = edit(name, data);
            if (replaced == null) continue;
            using var stream = output.CreateEntry(name).Open();
            stream.Write(replaced);
        }
    }

    [Fact]
    public void Corrupt_MissingWeightsEntry()
    {
        string path = Saved();
        Rewrite(path, (name, data) => name.EndsWith(".safetensors") ? null : data);
        AssertFormatException(path);
    }

    [Fact]
    public void Corrupt_MissingConfigEntry()
    {
        string path = Saved();
        Rewrite(path, (name, data) => name == "config.json" ? null : data);
        AssertFormatException(path);
    }

    [Fact]
    public void Corrupt_WeightsWithWrongShapes()
    {
        string path = Saved();
        Rewrite(path, (name, data) =>
        {
            if (!name.EndsWith(".safetensors")) return data;
            var weights = SafeTensors.Read(data);
            // Same count, every weight one value longer.
            var wrong = weights.Select(w => (w.name, Tensor.Zeros(w.value.Size + 1))).ToList();
            using var buffer = new MemoryStream();
            SafeTensors.Write(buffer, wrong);
            return buffer.ToArray();
        });
        AssertFormatException(path);
    }

    [Fact]
    public void Corrupt_WeightsCountDiffers()
    {
        string path = Saved();
        Rewrite(path, (name, data) =>
        {
            if (!name.EndsWith(".safetensors")) return data;
            var weights = SafeTensors.Read(data);
            using var buffer = new MemoryStream();
            SafeTensors.Write(buffer, weights.Take(weights.Count - 1).ToList());
            return buffer.ToArray();
        });
        AssertFormatException(path);
    }

    public static TheoryData<string> BadWeightHeaders => new()
    {
        """{"w": {"dtype": "F32", "shape": [-1], "data_offsets": [4, 0]}}""",
        """{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8, 16]}}""",
        """{"w": {"dtype": "F32", "shape": "x", "data_offsets": [0, 8]}}""",
        """{"w": {"dtype": "F64", "shape": [2], "data_offsets": [0, 8]}}""",
        """{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 1e40]}}""",
        """{"w": {"dtype": "F32", "shape": [2], "data_offsets": "none"}}""",
        """{"w": {"dtype": "F32", "shape": [2]}}""",
        """{"w": 3}""",
        """[1, 2]""",
        """{"w": """,
    };

    [Theory]
    [MemberData(nameof(BadWeightHeaders))]
    public void Corrupt_WeightHeaders(string header)
    {
        string path = Saved();
        Rewrite(path, (name, data) =>
        {
            if (!name.EndsWith(".safetensors")) return data;
            var json = Encoding.UTF8.GetBytes(header);
            var bytes = new byte[8 + json.Length + 16];
            BitConverter.GetBytes((ulong)json.Length).CopyTo(bytes, 0);
            json.CopyTo(bytes, 8);
            return bytes;
        });
        AssertFormatException(path);
    }

    public static TheoryData<string> BadConfigs => new()
    {
        "not json",
        "[]",
        """{"format": "keras"}""",
        """{"format": "normlab"}""",
        """{"format": "normlab", "model": 5}""",
        """{"format": "normlab", "model": {"class_name": "Nope", "config": {}}, "build_input_shape": [1, 2]}""",
        """{"format": "normlab", "model": {"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"units": -4}}]}}, "build_input_shape": [1, 2]}""",
        """{"format": "normlab", "model": {"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"units": "many"}}]}}, "build_input_shape": [1, 2]}""",
        """{"format": "normlab", "model": {"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"units": 2}}]}}, "build_input_shape": [-1, 2]}""",
        """{"format": "normlab", "model": {"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"units": 2}}]}}, "build_input_shape": "x"}""",
        """{"format": "normlab", "model": {"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"units": 2, "activation": "nope"}}]}}, "build_input_shape": [1, 2]}""",
        """{"format": "normlab", "model": {"class_name": "Model", "config": {"nodes": [1, 2], "output": "x"}}, "build_input_shape": [1, 2]}""",
        """{"format": "normlab", "model": {"class_name": "Model", "config": {"nodes": [{"input": "in", "shape": [2]}], "output": "missing"}}, "build_input_shape": [1, 2]}""",
        """{"format": "normlab", "model": {"class_name": "Dense", "config": {"units": 2}}, "build_input_shape": [1, 2]}""",
    };

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public void Corrupt_Configs(string config)
    {
        string path = Saved();
        Rewrite(path, (name, data) => name == "config.json" ? Encoding.UTF8.GetBytes(config) : data);
        AssertFormatException(path);
    }

    [Fact]
    public void MissingFile_IsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => Model.Load(PathFor("nothing-here.normlab")));
    }

    // ---- callbacks ----

    private static (Sequential model, Tensor x, Tensor y) Trainable()
    {
        NormLabRandom.SetSeed(25);
        var model = new Sequential([new Dense(4, activation: "tanh", inputShape: [3]), new Dense(2, activation: "softmax")]);
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return (model, Tensor.RandN(24, 3), Tensor.RandInt(0, 2, 24));
    }

    [Fact]
    public void EarlyStopping_Stops_And_RestoresBestWeights()
    {
        var (model, x, y) = Trainable();
        Tensor[]? afterFirstEpoch = null;
        // A huge minDelta: only the first epoch counts as an improvement, so with patience 2 (Keras's counting)
        // training stops at the second epoch in a row without improvement, the third epoch.
        var early = new EarlyStopping(monitor: "loss", minDelta: 1e9, patience: 2, restoreBestWeights: true);
        var h = model.Fit(x, y, epochs: 10, batchSize: 8, verbose: 0, callbacks:
        [
            new LambdaCallback(onEpochEnd: (epoch, _) => { if (epoch == 0) afterFirstEpoch = model.GetWeights(); }),
            early,
        ]);
        Assert.Equal(3, h.Epochs);
        Assert.Equal(2, early.StoppedEpoch);
        Assert.NotNull(afterFirstEpoch);
        var restored = model.GetWeights();
        for (int i = 0; i < restored.Length; i++) Assert.Equal(afterFirstEpoch![i].ToArray(), restored[i].ToArray());
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(1, 2)]
    [InlineData(3, 4)]
    public void EarlyStopping_Patience_CountsLikeKeras(int patience, int expectedEpochs)
    {
        // Keras 3: wait += 1 each epoch, reset on improvement; stop once wait >= patience (after epoch 0).
        var (model, x, y) = Trainable();
        var early = new EarlyStopping(monitor: "loss", minDelta: 1e9, patience: patience);
        var h = model.Fit(x, y, epochs: 10, batchSize: 8, verbose: 0, callbacks: [early]);
        Assert.Equal(expectedEpochs, h.Epochs);
        Assert.Equal(expectedEpochs - 1, early.StoppedEpoch);
        // Reusable: a second Fit starts counting afresh.
        Assert.Equal(expectedEpochs, model.Fit(x, y, epochs: 10, batchSize: 8, verbose: 0, callbacks: [early]).Epochs);
    }

    [Fact]
    public void EarlyStopping_RestoreBestWeights_AlsoWhenNotStopped()
    {
        var (model, x, y) = Trainable();
        Tensor[]? afterFirstEpoch = null;
        var h = model.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0, callbacks:
        [
            new LambdaCallback(onEpochEnd: (epoch, _) => { if (epoch == 0) afterFirstEpoch = model.GetWeights(); }),
            new EarlyStopping(monitor: "loss", minDelta: 1e9, patience: 10, restoreBestWeights: true),
        ]);
        Assert.Equal(3, h.Epochs);
        var now = model.GetWeights();
        for (int i = 0; i < now.Length; i++) Assert.Equal(afterFirstEpoch![i].ToArray(), now[i].ToArray());
    }

    [Fact]
    public void EarlyStopping_OnValidationLoss_WithoutRestore_KeepsLastWeights()
    {
        var (model, x, y) = Trainable();
        Tensor[]? last = null;
        var h = model.Fit(x, y, epochs: 10, batchSize: 8, verbose: 0, validationSplit: 0.25, callbacks:
        [
            new LambdaCallback(onEpochEnd: (_, _) => last = model.GetWeights()),
            new EarlyStopping(minDelta: 1e9, patience: 0),
        ]);
        Assert.Equal(2, h.Epochs);
        var now = model.GetWeights();
        for (int i = 0; i < now.Length; i++) Assert.Equal(last![i].ToArray(), now[i].ToArray());
    }

    [Fact]
    public void ModelCheckpoint_WritesLoadableFiles()
    {
        var (model, x, y) = Trainable();
        string pattern = PathFor("ckpt-{epoch}.normlab");
        string best = PathFor("best.normlab");
        model.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0, callbacks:
        [
            new ModelCheckpoint(pattern, monitor: "loss"),
            new ModelCheckpoint(best, monitor: "loss", saveBestOnly: true),
        ]);
        for (int epoch = 1; epoch <= 3; epoch++) Assert.True(File.Exists(PathFor($"ckpt-{epoch}.normlab")), $"checkpoint of epoch {epoch}");
        Assert.True(File.Exists(best));
        Assert.Equal(model.Predict(x).ToArray(), Model.Load(PathFor("ckpt-3.normlab")).Predict(x).ToArray());
    }

    [Fact]
    public void LambdaCallback_CalledPerEpochAndBatch()
    {
        var (model, x, y) = Trainable();
        var epochsBegun = new List<int>();
        var epochsEnded = new List<int>();
        int batches = 0, begin = 0, end = 0;
        var h = model.Fit(x, y, epochs: 3, batchSize: 10, verbose: 0, callbacks:
        [
            new LambdaCallback(
                onEpochEnd: (epoch, logs) => { epochsEnded.Add(epoch); Assert.True(logs.ContainsKey("loss") && logs.ContainsKey("accuracy")); },
                onBatchEnd: (_, _) => batches++,
                onEpochBegin: epochsBegun.Add,
                onTrainBegin: () => begin++,
                onTrainEnd: () => end++),
        ]);
        Assert.Equal([0, 1, 2], epochsBegun);
        Assert.Equal([0, 1, 2], epochsEnded);
        Assert.Equal(3 * 3, batches);
        Assert.Equal(1, begin);
        Assert.Equal(1, end);
        Assert.Equal(3, h.Epochs);
    }
}

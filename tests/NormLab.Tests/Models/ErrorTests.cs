using NormLab.Callbacks;
using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Models;

/// <summary>
/// Bad input gets a clear exception of the right type whose message names the layer or argument,
/// and the value received (issue 2, "Errors").
/// </summary>
public class ErrorTests
{
    private static Sequential SmallModel(bool compile = true)
    {
        var model = new Sequential([new Dense(3, activation: "softmax", inputShape: [2])]);
        if (compile) model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return model;
    }

    [Fact]
    public void Dense_BuiltFor3Features_CalledWith4()
    {
        var dense = new Dense(2, name: "probe_dense");
        dense.Call(Tensor.Ones(5, 3));
        var e = Assert.Throws<ArgumentException>(() => dense.Call(Tensor.Ones(5, 4)));
        Assert.Contains("probe_dense", e.Message);
        Assert.Contains("3", e.Message);
        Assert.Contains("(5, 4)", e.Message);
    }

    [Fact]
    public void Sequential_InputThatDoesNotFitTheDeclaredShape()
    {
        var model = SmallModel();
        var e = Assert.Throws<ArgumentException>(() => model.Predict(Tensor.Ones(4, 5)));
        Assert.Contains("(4, 5)", e.Message);
        Assert.Contains("dense", e.Message);
    }

    [Fact]
    public void Label_OutsideTheLossRange()
    {
        var model = SmallModel();
        var e = Assert.Throws<ArgumentException>(() =>
            model.Fit(Tensor.Ones(4, 2), Tensor.FromArray([0f, 1f, 7f, 2f], 4), epochs: 1, batchSize: 4, shuffle: false, verbose: 0));
        Assert.Contains("sparse_categorical_crossentropy", e.Message);
        Assert.Contains("7", e.Message);
        Assert.Contains("[0, 3)", e.Message);
        var negative = Assert.Throws<ArgumentException>(() => new NormLab.Losses.SparseCategoricalCrossentropy().Compute(Tensor.FromArray([-1f], 1), Tensor.Ones(1, 3)));
        Assert.Contains("-1", negative.Message);
        var fractional = Assert.Throws<ArgumentException>(() => new NormLab.Losses.SparseCategoricalCrossentropy().Compute(Tensor.FromArray([1.5f], 1), Tensor.Ones(1, 3)));
        Assert.Contains("1.5", fractional.Message);
    }

    [Fact]
    public void Conv2D_WrongRank()
    {
        var conv = new Conv2D(2, 3, name: "probe_conv");
        var unbuilt = Assert.Throws<ArgumentException>(() => conv.Call(Tensor.Ones(2, 8, 8)));
        Assert.Contains("probe_conv", unbuilt.Message);
        Assert.Contains("rank 4", unbuilt.Message);
        Assert.Contains("(2, 8, 8)", unbuilt.Message);
        conv.Call(Tensor.Ones(1, 5, 5, 1));
        var built = Assert.Throws<ArgumentException>(() => conv.Call(Tensor.Ones(2, 8, 8)));
        Assert.Contains("probe_conv", built.Message);
        Assert.Contains("(2, 8, 8)", built.Message);
        var channels = Assert.Throws<ArgumentException>(() => conv.Call(Tensor.Ones(1, 5, 5, 2)));
        Assert.Contains("(1, 5, 5, 2)", channels.Message);
    }

    [Fact]
    public void OtherLayers_WrongRank()
    {
        var lstm = Assert.Throws<ArgumentException>(() => new LSTM(2, name: "probe_lstm").Call(Tensor.Ones(2, 3)));
        Assert.Contains("probe_lstm", lstm.Message);
        Assert.Contains("(2, 3)", lstm.Message);
        var pool = Assert.Throws<ArgumentException>(() => new MaxPooling2D(2, name: "probe_pool").Call(Tensor.Ones(2, 4, 4)));
        Assert.Contains("probe_pool", pool.Message);
        var gap = Assert.Throws<ArgumentException>(() => new GlobalAveragePooling2D(name: "probe_gap").Call(Tensor.Ones(2, 4)));
        Assert.Contains("probe_gap", gap.Message);
        var small = Assert.Throws<ArgumentException>(() => new Conv2D(1, 5, name: "probe_small").Call(Tensor.Ones(1, 3, 3, 1)));
        Assert.Contains("probe_small", small.Message);
    }

    [Theory]
    [InlineData("activation")]
    [InlineData("optimizer")]
    [InlineData("loss")]
    [InlineData("initializer")]
    [InlineData("metric")]
    public void UnknownNames_ListTheValidOnes(string kind)
    {
        Action create = kind switch
        {
            "activation" => () => new Dense(2, activation: "relux"),
            "optimizer" => () => SmallModel(compile: false).Compile(optimizer: "adamx", loss: "mse"),
            "loss" => () => SmallModel(compile: false).Compile(optimizer: "adam", loss: "msex"),
            "initializer" => () => new Dense(2, kernelInitializer: "glorot_uniformx"),
            _ => () => SmallModel(compile: false).Compile(optimizer: "adam", loss: "mse", metrics: ["accuracyx"]),
        };
        var e = Assert.Throws<ArgumentException>(create);
        Assert.Contains(kind, e.Message);
        string[] valid = kind switch
        {
            "activation" => ["relu", "tanh", "sigmoid", "softmax", "linear", "elu", "gelu", "leaky_relu", "swish"],
            "optimizer" => ["adam", "adamw", "sgd", "rmsprop"],
            "loss" => ["sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy", "mse", "mae"],
            "initializer" => ["glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "uniform", "normal", "zeros", "ones", "constant", "orthogonal"],
            _ => ["accuracy", "sparse_categorical_accuracy", "categorical_accuracy", "binary_accuracy", "mae"],
        };
        foreach (var name in valid) Assert.Contains(name, e.Message);
        Assert.Contains("x'", e.Message);
    }

    [Fact]
    public void EmptyDataset()
    {
        var model = SmallModel();
        var fit = Assert.Throws<ArgumentException>(() => model.Fit(Tensor.Zeros(0, 2), Tensor.Zeros(0), verbose: 0));
        Assert.Contains("empty", fit.Message);
        Assert.Contains("(0, 2)", fit.Message);
        Assert.Throws<ArgumentException>(() => model.Evaluate(Tensor.Zeros(0, 2), Tensor.Zeros(0)));
        Assert.Throws<ArgumentException>(() => model.Predict(Tensor.Zeros(0, 2)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void BatchSizeBelowOne(int batchSize)
    {
        var model = SmallModel();
        foreach (var action in new Action[]
        {
            () => model.Fit(Tensor.Ones(4, 2), Tensor.Zeros(4), batchSize: batchSize, verbose: 0),
            () => model.Evaluate(Tensor.Ones(4, 2), Tensor.Zeros(4), batchSize: batchSize),
            () => model.Predict(Tensor.Ones(4, 2), batchSize: batchSize),
        })
        {
            var e = Assert.Throws<ArgumentException>(action);
            Assert.Contains("batchSize", e.Message);
            Assert.Contains(batchSize.ToString(), e.Message);
        }
    }

    [Fact]
    public void MismatchedSampleCounts()
    {
        var e = Assert.Throws<ArgumentException>(() => SmallModel().Fit(Tensor.Ones(4, 2), Tensor.Zeros(5), verbose: 0));
        Assert.Contains("4", e.Message);
        Assert.Contains("(5,)", e.Message);
    }

    [Fact]
    public void FitOrEvaluate_BeforeCompile()
    {
        var model = SmallModel(compile: false);
        var e = Assert.Throws<InvalidOperationException>(() => model.Fit(Tensor.Ones(4, 2), Tensor.Zeros(4), verbose: 0));
        Assert.Contains("Compile", e.Message);
        Assert.Contains(model.Name, e.Message);
        Assert.Throws<InvalidOperationException>(() => model.Evaluate(Tensor.Ones(4, 2), Tensor.Zeros(4)));
    }

    [Fact]
    public void SetWeights_WrongCountOrShape()
    {
        var dense = new Dense(3, name: "probe_weights");
        dense.Build([1, 2]);
        var count = Assert.Throws<ArgumentException>(() => dense.SetWeights([Tensor.Zeros(2, 3)]));
        Assert.Contains("probe_weights", count.Message);
        Assert.Contains("1", count.Message);
        Assert.Contains("2", count.Message);
        var shape = Assert.Throws<ArgumentException>(() => dense.SetWeights([Tensor.Zeros(3, 2), Tensor.Zeros(3)]));
        Assert.Contains("probe_weights", shape.Message);
        Assert.Contains("(3, 2)", shape.Message);
        Assert.Contains("(2, 3)", shape.Message);
        // Nothing was half-written.
        Assert.All(dense.GetWeights()[1].ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void EmbeddingIndex_OutOfRange()
    {
        var embedding = new Embedding(5, 2, name: "probe_embedding");
        var e = Assert.Throws<ArgumentException>(() => embedding.Call(Tensor.FromArray([1f, 5f], 1, 2)));
        Assert.Contains("probe_embedding", e.Message);
        Assert.Contains("5", e.Message);
        Assert.Contains("[0, 5)", e.Message);
        Assert.Throws<ArgumentException>(() => embedding.Call(Tensor.FromArray([-1f, 0f], 1, 2)));
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void Dropout_RateOutsideRange(double rate)
    {
        var e = Assert.Throws<ArgumentException>(() => new Dropout(rate, name: "probe_dropout"));
        Assert.Contains("probe_dropout", e.Message);
        Assert.Contains("rate", e.Message);
        Assert.Contains(rate.ToString(), e.Message);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-0.5)]
    [InlineData(0.01)]   // of 8 samples: an empty validation set
    public void ValidationSplit_Invalid(double split)
    {
        var e = Assert.Throws<ArgumentException>(() => SmallModel().Fit(Tensor.Ones(8, 2), Tensor.Zeros(8), validationSplit: split, verbose: 0));
        Assert.Contains("validationSplit", e.Message);
        Assert.Contains(split.ToString(), e.Message);
    }

    [Fact]
    public void NegativeEpochs()
    {
        var e = Assert.Throws<ArgumentException>(() => SmallModel().Fit(Tensor.Ones(8, 2), Tensor.Zeros(8), epochs: -1, verbose: 0));
        Assert.Contains("epochs", e.Message);
    }

    [Fact]
    public void BadLayerArguments_NameTheArgument()
    {
        Assert.Contains("units", Assert.Throws<ArgumentException>(() => new Dense(0)).Message);
        Assert.Contains("filters", Assert.Throws<ArgumentException>(() => new Conv2D(0, 3)).Message);
        Assert.Contains("padding", Assert.Throws<ArgumentException>(() => new Conv2D(1, 3, padding: "full")).Message);
        Assert.Contains("full", Assert.Throws<ArgumentException>(() => new MaxPooling2D(2, padding: "full")).Message);
        Assert.Contains("learningRate", Assert.Throws<ArgumentException>(() => new NormLab.Optimizers.Adam(learningRate: 0)).Message);
    }

    private static (Tensor x, Tensor y) WithNaN()
    {
        var x = Tensor.Ones(32, 2);
        var data = x.ToArray();
        Array.Fill(data, float.NaN);
        return (Tensor.FromArray(data, 32, 2), Tensor.Zeros(32));
    }

    [Fact]
    public void NaNLoss_TerminateOnNaN_StopsTraining()
    {
        var model = SmallModel();
        var (x, y) = WithNaN();
        int batches = 0;
        var stdout = Console.Out;
        var output = new StringWriter();
        try
        {
            Console.SetOut(output);
            var h = model.Fit(x, y, epochs: 5, batchSize: 4, callbacks: [new TerminateOnNaN(), new LambdaCallback(onBatchEnd: (_, _) => batches++)], verbose: 1);
            Assert.Equal(1, h.Epochs);
            Assert.Equal(1, batches);
            Assert.True(double.IsNaN(h["loss"][0]));
        }
        finally { Console.SetOut(stdout); }
        // The NaN is reported with its epoch and step.
        Assert.Contains("epoch 1, step 1", output.ToString());
    }

    [Fact]
    public void NaNLoss_WithoutTerminateOnNaN_RunsEveryEpoch()
    {
        var model = SmallModel();
        var (x, y) = WithNaN();
        var h = model.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0);
        Assert.Equal(3, h.Epochs);
    }

    [Fact]
    public void MergeLayer_Errors()
    {
        var add = new Add(name: "probe_add");
        var one = Assert.Throws<ArgumentException>(() => add.Call([Tensor.Ones(2, 3)]));
        Assert.Contains("probe_add", one.Message);
        var shapes = Assert.Throws<ArgumentException>(() => add.Call([Tensor.Ones(2, 3), Tensor.Ones(2, 4)]));
        Assert.Contains("(2, 4)", shapes.Message);
        Assert.Throws<ArgumentException>(() => new Sequential().Add(new Concatenate()));
        // Concatenate names itself and every input shape (the check used to come from Ops.Concat, unnamed).
        var concat = new Concatenate(axis: 1, name: "probe_concat");
        var mismatch = Assert.Throws<ArgumentException>(() => concat.Call([Tensor.Ones(2, 3), Tensor.Ones(4, 3)]));
        Assert.Contains("probe_concat", mismatch.Message);
        Assert.Contains("(2, 3), (4, 3)", mismatch.Message);
        var ranks = Assert.Throws<ArgumentException>(() => concat.Call([Tensor.Ones(2, 3), Tensor.Ones(2, 3, 1)]));
        Assert.Contains("probe_concat", ranks.Message);
        var axis = Assert.Throws<ArgumentException>(() => new Concatenate(axis: 2, name: "probe_axis").Call([Tensor.Ones(2, 3), Tensor.Ones(2, 3)]));
        Assert.Contains("probe_axis", axis.Message);
        Assert.Equal([2, 6], concat.Call([Tensor.Ones(2, 3), Tensor.Ones(2, 3)]).Shape);
    }

    [Fact]
    public void Summary_OfAnUnbuiltModel()
    {
        var model = new Sequential([new Dense(2)]);
        var e = Assert.Throws<InvalidOperationException>(() => model.Summary(_ => { }));
        Assert.Contains(model.Name, e.Message);
    }
}

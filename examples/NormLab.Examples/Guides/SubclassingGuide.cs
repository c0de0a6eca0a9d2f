using System.Text.Json.Nodes;
using NormLab.Layers;
using NormLab.Saving;

namespace NormLab.Examples.Guides;

/// <summary>
/// Keras's guide "Making new layers and models via subclassing", in C#: a layer holds state (weights) and a
/// forward computation; weights can be created lazily in Build; layers nest; a model subclass trains and saves.
/// </summary>
public static class SubclassingGuide
{
    /// <summary>The guide's first section: Linear(4, 2) on ones((2, 2)) gives a (2, 4) output and has weights [w, b].</summary>
    public static (Tensor y, Linear layer) LinearOnOnes()
    {
        var linearLayer = new Linear(units: 4, inputDim: 2);
        var y = linearLayer.Call(Tensor.Ones(2, 2));
        return (y, linearLayer);
    }

    /// <summary>Non-trainable weights: ComputeSum accumulates the column sums of its inputs over calls ([2, 2], then [4, 4]).</summary>
    public static (Tensor first, Tensor second, ComputeSum layer) ComputeSumTwice()
    {
        var mySum = new ComputeSum(inputDim: 2);
        var x = Tensor.Ones(2, 2);
        var first = mySum.Call(x).Detach();
        var second = mySum.Call(x);
        return (first, second, mySum);
    }

    /// <summary>Layers nest recursively: an MLPBlock of three lazily built Linear layers has 6 weights, all trainable.</summary>
    public static (Tensor y, MLPBlock block) MlpBlockOnOnes()
    {
        var mlp = new MLPBlock();
        var y = mlp.Call(Tensor.Ones(3, 64));
        return (y, mlp);
    }

    /// <summary>The guide's end: a subclassed model (an MLP with dropout) trained with Fit.</summary>
    public static (History history, SmallMLP model) TrainSubclassedModel(int samples, int epochs)
    {
        var x = Tensor.RandN(samples, 8);
        var y = Tensor.RandInt(0, 3, samples);
        var model = new SmallMLP(hiddenUnits: 16, classes: 3);
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return (model.Fit(x, y, epochs: epochs, batchSize: 16, verbose: 0), model);
    }
}

/// <summary>y = x·w + b with w of shape (inputDim, units), created lazily from the input when inputDim is not given.</summary>
[RegisterSerializable(package: "NormLabGuides")]
public sealed class Linear(int units = 32, int? inputDim = null, string? name = null) : Layer(name)
{
    /// <summary>The number of outputs.</summary>
    public int Units { get; } = units;

    /// <summary>The kernel.</summary>
    public Tensor W { get; private set; } = null!;

    /// <summary>The bias.</summary>
    public Tensor B { get; private set; } = null!;

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        W = AddWeight("w", [inputDim ?? inputShape[^1], Units], "random_normal");
        B = AddWeight("b", [Units], "zeros");
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Ops.MatMul(x, W) + B;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["units"] = Units;
        return config;
    }
}

/// <summary>Adds the column sums of each input to a non-trainable total and returns it.</summary>
public sealed class ComputeSum(int inputDim, string? name = null) : Layer(name)
{
    private Tensor total = null!;

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape) => total = AddWeight("total", [inputDim], "zeros", trainable: false);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var updated = Ops.Add(total, Ops.Sum(x, [0]));
        SetWeights([updated]);   // Keras's self.total.assign_add(...)
        return updated;
    }
}

/// <summary>Three Linear layers (32, 32, 1) with relu between, as the guide's MLPBlock.</summary>
public sealed class MLPBlock : Layer
{
    private readonly Linear linear1, linear2, linear3;

    /// <summary>Creates the three sublayers (built on the first call).</summary>
    public MLPBlock(string? name = null) : base(name)
    {
        linear1 = AddSublayer(new Linear(32));
        linear2 = AddSublayer(new Linear(32));
        linear3 = AddSublayer(new Linear(1));
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        x = Ops.Relu(linear1.Call(x, training));
        x = Ops.Relu(linear2.Call(x, training));
        return linear3.Call(x, training);
    }
}

/// <summary>A subclassed model: Dense → Dropout → Dense(softmax); registered, so Model.Load rebuilds it from its config.</summary>
[RegisterSerializable(package: "NormLabGuides")]
public sealed class SmallMLP : Model
{
    private readonly Dense hidden, classifier;
    private readonly Dropout dropout;

    /// <summary>Creates the layers.</summary>
    /// <param name="hiddenUnits">Units of the hidden layer.</param>
    /// <param name="classes">Number of classes.</param>
    /// <param name="name">The model's name.</param>
    public SmallMLP(int hiddenUnits, int classes, string? name = null) : base(name)
    {
        (HiddenUnits, Classes) = (hiddenUnits, classes);
        TrackLayer(hidden = new Dense(hiddenUnits, activation: "relu"));
        TrackLayer(dropout = new Dropout(0.2));
        TrackLayer(classifier = new Dense(classes, activation: "softmax"));
    }

    /// <summary>Units of the hidden layer.</summary>
    public int HiddenUnits { get; }

    /// <summary>Number of classes.</summary>
    public int Classes { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) =>
        classifier.Call(dropout.Call(hidden.Call(x, training), training), training);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["hidden_units"] = HiddenUnits;
        config["classes"] = Classes;
        return config;
    }
}

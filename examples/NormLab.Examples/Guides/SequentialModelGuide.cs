using NormLab.Layers;

namespace NormLab.Examples.Guides;

/// <summary>
/// Keras's guide "The Sequential model", in C#: a plain stack of layers, built when it first sees data or
/// when its first layer declares the input shape, with layers reachable by name and a Summary.
/// </summary>
public static class SequentialModelGuide
{
    /// <summary>Three named Dense layers (2, 3, 4) called on ones((3, 3)); GetLayer("layer2") finds the second.</summary>
    public static (Sequential model, Tensor y, int weightsBeforeCall) ThreeDenseLayers()
    {
        var model = new Sequential([
            new Dense(2, activation: "relu", name: "layer1"),
            new Dense(3, activation: "relu", name: "layer2"),
            new Dense(4, name: "layer3"),
        ]);
        int weightsBeforeCall = model.Weights.Count;
        var y = model.Call(Tensor.Ones(3, 3));
        return (model, y, weightsBeforeCall);
    }

    /// <summary>The guide's image stack on 250×250 RGB: Keras prints output shapes (None, 123, 123, 32), (None, 121, 121, 32), (None, 40, 40, 32) and 11,680 parameters.</summary>
    public static Sequential ConvStack()
    {
        var model = new Sequential();
        model.Add(new Conv2D(32, 5, strides: 2, activation: "relu", inputShape: [250, 250, 3]));
        model.Add(new Conv2D(32, 3, activation: "relu"));
        model.Add(new MaxPooling2D(3));
        return model;
    }

    /// <summary>
    /// Feature extraction with a Sequential model: once built, its Inputs and each layer's Output exist, so a
    /// functional model can return every intermediate output, or one layer's found by name.
    /// </summary>
    public static (Tensor[] all, Tensor intermediate) FeatureExtraction()
    {
        var initialModel = new Sequential([
            new Conv2D(32, 5, strides: 2, activation: "relu", inputShape: [250, 250, 3]),
            new Conv2D(32, 3, activation: "relu", name: "my_intermediate_layer"),
            new Conv2D(32, 3, activation: "relu"),
        ]);
        var featureExtractor = new Model(inputs: initialModel.Inputs, outputs: initialModel.Layers.Select(layer => layer.Output).ToList());
        var oneLayer = new Model(inputs: initialModel.Inputs, outputs: [initialModel.GetLayer("my_intermediate_layer").Output]);
        var x = Tensor.Ones(1, 250, 250, 3);
        return (featureExtractor.Call([x]), oneLayer.Predict(x));
    }

    /// <summary>Incremental building: a model that is not built yet has no weights and Summary says so.</summary>
    public static Sequential Unbuilt() => new([new Dense(2, activation: "relu"), new Dense(3, activation: "relu"), new Dense(4)]);
}

using NormLab.Layers;

namespace NormLab.Examples.Guides;

/// <summary>
/// Keras's guide "Save, serialize, and export models", in C#: the whole model in one file, the config alone
/// (GetConfig / FromConfig, CloneModel), the weights alone (SaveWeights / LoadWeights), and custom objects.
/// </summary>
public static class SerializationGuide
{
    /// <summary>The guide's model: Input(32) → Dense(1), compiled with Adam and the mean squared error.</summary>
    public static Model GetModel()
    {
        var inputs = new Input([32]);
        var outputs = new Dense(1).Call(inputs);
        var model = new Model(inputs, outputs);
        model.Compile(optimizer: "adam", loss: "mean_squared_error");
        return model;
    }

    /// <summary>Trains, saves to <paramref name="path"/>, loads, and returns both with a test input.</summary>
    public static (Model model, Model reconstructed, Tensor testInput) SaveAndLoad(string path)
    {
        var model = GetModel();
        model.Fit(Tensor.Rand(128, 32), Tensor.Rand(128, 1), verbose: 0);
        model.Save(path);
        return (model, Model.Load(path), Tensor.Rand(128, 32));
    }

    /// <summary>A model holding a registered custom layer (Linear) and a shared one, saved and loaded without customObjects.</summary>
    public static (Model model, Model reconstructed) CustomLayerRoundTrip(string path)
    {
        var inputs = new Input([4]);
        var shared = new Dense(4, activation: "tanh", name: "shared");
        var outputs = new Linear(units: 2, name: "linear").Call(shared.Call(shared.Call(inputs)));
        var model = new Model(inputs, outputs);
        model.Save(path);
        return (model, Model.Load(path));
    }

    /// <summary>Config only: the same architecture with fresh weights, from the config or with CloneModel.</summary>
    public static (Model fromConfig, Model clone) ArchitectureOnly(Model model) =>
        (Model.FromConfig(model.GetConfig()), Model.CloneModel(model));

    /// <summary>Weights only: transferred to a fresh model of the same architecture through a .weights.safetensors file.</summary>
    public static Model TransferWeights(Model model, string path)
    {
        model.SaveWeights(path);
        var fresh = Model.CloneModel(model);
        fresh.LoadWeights(path);
        return fresh;
    }
}

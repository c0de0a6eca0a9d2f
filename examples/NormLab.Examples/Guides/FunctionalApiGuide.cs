using NormLab.Layers;

namespace NormLab.Examples.Guides;

/// <summary>
/// Keras's guide "The Functional API", in C#: a graph of layers from inputs to outputs, feature extraction,
/// several inputs and outputs, shared layers, a toy ResNet and models nested as layers.
/// </summary>
public static class FunctionalApiGuide
{
    /// <summary>The guide's first model: 784 → Dense(64, relu) → Dense(64, relu) → Dense(10); Keras counts 55,050 parameters.</summary>
    public static Model MnistModel()
    {
        var inputs = new Input([784]);
        var dense = new Dense(64, activation: "relu");
        var x = dense.Call(inputs);
        x = new Dense(64, activation: "relu").Call(x);
        var outputs = new Dense(10).Call(x);
        return new Model(inputs: inputs, outputs: outputs, name: "mnist_model");
    }

    /// <summary>
    /// The ticket classifier: a title and a body of any length (Embedding → LSTM each), tags, a priority score and
    /// a department classifier. Keras counts 1,392,097 parameters for 10,000 words, 64 dimensions, LSTM(128) and LSTM(32).
    /// </summary>
    public static Model TicketClassifier(int numWords = 10000, int numTags = 12, int numDepartments = 4)
    {
        var titleInput = new Input([-1], name: "title");
        var bodyInput = new Input([-1], name: "body");
        var tagsInput = new Input([numTags], name: "tags");
        var titleFeatures = new LSTM(128).Call(new Embedding(numWords, 64).Call(titleInput));
        var bodyFeatures = new LSTM(32).Call(new Embedding(numWords, 64).Call(bodyInput));
        var x = new Concatenate().Call([titleFeatures, bodyFeatures, tagsInput]);
        var priority = new Dense(1, name: "priority").Call(x);
        var department = new Dense(numDepartments, name: "department").Call(x);
        return new Model(inputs: [titleInput, bodyInput, tagsInput], outputs: [priority, department]);
    }

    /// <summary>
    /// Trains the ticket classifier as the guide does: binary cross-entropy from logits on both outputs, the
    /// department loss weighted 0.2, losses given by output name; random titles (10 words), bodies (100 words) and tags.
    /// </summary>
    public static History TrainTicketClassifier(int samples, int epochs, int bodyLength = 100)
    {
        var model = TicketClassifier();
        var titleData = Tensor.RandInt(0, 10000, samples, 10);
        var bodyData = Tensor.RandInt(0, 10000, samples, bodyLength);
        var tagsData = Tensor.RandInt(0, 2, samples, 12);
        var priorityTargets = Tensor.Rand(samples, 1);
        var deptTargets = Tensor.RandInt(0, 2, samples, 4);
        model.Compile(
            optimizer: new Optimizers.RMSprop(learningRate: 1e-3),
            loss: new Dictionary<string, Losses.Loss>
            {
                ["priority"] = new Losses.BinaryCrossentropy(fromLogits: true),
                ["department"] = new Losses.BinaryCrossentropy(fromLogits: true),
            },
            lossWeights: new Dictionary<string, double> { ["priority"] = 1.0, ["department"] = 0.2 });
        return model.Fit([titleData, bodyData, tagsData], [priorityTargets, deptTargets], epochs: epochs, batchSize: 32, verbose: 0);
    }

    /// <summary>Shared layers: one Embedding(1000, 128) encodes two text inputs of any length; its weights exist once.</summary>
    public static Model SharedEmbedding()
    {
        var sharedEmbedding = new Embedding(1000, 128);
        var textInputA = new Input([-1], name: "text_a");
        var textInputB = new Input([-1], name: "text_b");
        var encodedA = sharedEmbedding.Call(textInputA);
        var encodedB = sharedEmbedding.Call(textInputB);
        return new Model([textInputA, textInputB], [encodedA, encodedB], name: "shared_embedding");
    }

    /// <summary>Feature extraction: a model whose outputs are every intermediate layer's output of another model.</summary>
    public static Model FeatureExtractor(Model model) =>
        new(inputs: model.Inputs, outputs: model.Layers.Select(layer => layer.Output).ToList());

    /// <summary>The toy ResNet for CIFAR10: Keras counts 223,242 parameters.</summary>
    public static Model ToyResNet()
    {
        var inputs = new Input([32, 32, 3], name: "img");
        var x = new Conv2D(32, 3, activation: "relu").Call(inputs);
        x = new Conv2D(64, 3, activation: "relu").Call(x);
        var block1Output = new MaxPooling2D(3).Call(x);

        x = new Conv2D(64, 3, activation: "relu", padding: "same").Call(block1Output);
        x = new Conv2D(64, 3, activation: "relu", padding: "same").Call(x);
        var block2Output = new Add().Call([x, block1Output]);

        x = new Conv2D(64, 3, activation: "relu", padding: "same").Call(block2Output);
        x = new Conv2D(64, 3, activation: "relu", padding: "same").Call(x);
        var block3Output = new Add().Call([x, block2Output]);

        x = new Conv2D(64, 3, activation: "relu").Call(block3Output);
        x = new GlobalAveragePooling2D().Call(x);
        x = new Dense(256, activation: "relu").Call(x);
        x = new Dropout(0.5).Call(x);
        var outputs = new Dense(10).Call(x);
        return new Model(inputs, outputs, name: "toy_resnet");
    }

    /// <summary>Trains the toy ResNet as the guide does (RMSprop, sparse cross-entropy from logits, accuracy) on random 32×32×3 images.</summary>
    public static History TrainToyResNet(int samples, int epochs, int verbose)
    {
        var model = ToyResNet();
        model.Compile(optimizer: new Optimizers.RMSprop(learningRate: 1e-3),
            loss: new Losses.SparseCategoricalCrossentropy(fromLogits: true), metrics: ["accuracy"]);
        return model.Fit(Tensor.Rand(samples, 32, 32, 3), Tensor.RandInt(0, 10, samples), epochs: epochs, batchSize: 64,
            validationSplit: 0.2, verbose: verbose);
    }

    /// <summary>
    /// All models are callable, just like layers: three models of one Dense(1) each, called on one input and
    /// summed into an ensemble (the guide averages them; NormLab's Average layer comes with the merge layers).
    /// </summary>
    public static (Model ensemble, Model[] members) Ensemble()
    {
        static Model GetModel()
        {
            var inputs = new Input([128]);
            return new Model(inputs, new Dense(1).Call(inputs));
        }
        Model[] members = [GetModel(), GetModel(), GetModel()];
        var inputs = new Input([128]);
        var outputs = new Add().Call(members.Select(m => m.Call(inputs)).ToList());
        return (new Model(inputs, outputs, name: "ensemble"), members);
    }
}

using NormLab.Examples.Guides;
using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Models;

/// <summary>The public-contract snippet of issue 19 (the Keras model API), compiled as written with small data.</summary>
public class ModelApiContractTests
{
    [Fact]
    public void ContractSnippet_CompilesAndRuns()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"normlab-contract19-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            NormLabRandom.SetSeed(71);
            var (xa, xb, yCls, yReg) = (Tensor.RandN(64, 16), Tensor.RandN(64, 8), Tensor.RandInt(0, 3, 64), Tensor.RandN(64, 1));
            var a = new Input([16], name: "a");
            var b = new Input([8], name: "b");
            var h = new Dense(32, activation: "relu", name: "dense").Call(new Concatenate().Call([a, b]));
            var cls = new Dense(3, activation: "softmax", name: "cls").Call(h);
            var reg = new Dense(1, name: "reg").Call(h);
            var model = new Model(inputs: [a, b], outputs: [cls, reg]);
            model.Compile(optimizer: "adam", loss: ["sparse_categorical_crossentropy", "mse"], lossWeights: [1.0, 0.5]);
            History hist = model.Fit([xa, xb], [yCls, yReg], epochs: 2, batchSize: 32, verbose: 0);
            Assert.Equal(2, hist["loss"].Count);
            Assert.Equal(2, hist["cls_loss"].Count);
            Assert.Equal(2, hist["reg_loss"].Count);
            Dictionary<string, double> scores = model.Evaluate([xa, xb], [yCls, yReg]);
            Tensor[] outs = model.Predict([xa, xb]);
            Assert.Equal(2, outs.Length);
            Layer d = model.GetLayer("dense");  Layer first = model.GetLayer(index: 0);
            Assert.IsType<Concatenate>(first);
            var features = new Model(inputs: model.Inputs, outputs: [d.Output]);
            Assert.Equal([64, 32], features.Predict([xa, xb])[0].Shape);
            var seq = new Input([-1, 64]);
            Assert.Equal([-1, 64], seq.Shape);

            var baseModel = new Sequential([new Conv2D(4, 3, inputShape: [28, 28, 1]), new BatchNormalization()]);
            var x = new Input([28, 28, 1]);
            var y = new Dense(10, activation: "softmax").Call(new Flatten().Call(baseModel.Call(x, training: false)));
            var transfer = new Model(x, y);
            baseModel.Trainable = false;
            Assert.All(baseModel.Layers, l => Assert.False(l.Trainable));
            Assert.Equal(2, transfer.TrainableWeights.Count);

            string weights = Path.Combine(directory, "w.weights.safetensors");
            model.SaveWeights(weights);  model.LoadWeights(weights);
            var clone = Model.CloneModel(model);
            Assert.Equal(model.CountParams(), clone.CountParams());

            var withLinear = new Model(a, new Linear(units: 2, name: "linear").Call(a));
            string path = Path.Combine(directory, "m.normlab");
            withLinear.Save(path);
            Model m2 = Model.Load(path, customObjects: new Dictionary<string, Type> { ["Linear"] = typeof(Linear) });
            Assert.Equal(withLinear.Predict(xa).ToArray(), m2.Predict(xa).ToArray());
            Assert.True(scores["loss"] > 0);
        }
        finally { Directory.Delete(directory, recursive: true); }
    }
}

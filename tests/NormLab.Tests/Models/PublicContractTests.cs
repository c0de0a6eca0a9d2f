using NormLab;          // Tensor, Sequential, Model, History, NormLabRandom
using NormLab.Layers;   // every layer
using Xunit;

namespace NormLab.Tests.Models;

/// <summary>The public-contract snippet of issue 2, compiled as written (smaller data so it runs in seconds).</summary>
public class PublicContractTests
{
    [Fact]
    public void ContractSnippet_CompilesAndRuns()
    {
        string path = Path.Combine(Path.GetTempPath(), $"contract-{Guid.NewGuid():N}.normlab");
        var printed = new List<string>();
        var stdout = Console.Out;
        try
        {
            Console.SetOut(new StringWriter());   // the progress bar and Summary print; keep the test log clean

            NormLabRandom.SetSeed(42);                       // seeds every random source (like keras.utils.set_random_seed)
            Tensor x = Tensor.Rand(64, 28, 28, 1);           // uniform [0,1)
            Tensor y = Tensor.RandInt(0, 10, 64);            // integers in [0,10) stored as float
            Tensor t = Tensor.FromArray(new float[] {1, 2, 3, 4}, 2, 2);   // data, then shape; copies
            int[] shape = t.Shape;  float[] values = t.ToArray();
            // also Tensor.Zeros, Tensor.Ones, Tensor.RandN, Tensor.Full, basic arithmetic operators, Sum, Mean, Reshape

            var model = new Sequential([
                new Conv2D(32, (3, 3), padding: "same", activation: "relu", inputShape: [28, 28, 1]),
                new Conv2D(64, (3, 3), padding: "same", activation: "relu"),
                new MaxPooling2D((2, 2)),
                new Flatten(),
                new Dense(10, activation: "softmax"),
            ]);
            var mlp = new Sequential();                      // or built step by step, like Keras's model.add
            mlp.Add(new Dense(64, inputDim: 14, kernelInitializer: "uniform"));
            mlp.Add(new Activation("tanh"));  mlp.Add(new Dropout(0.5));  mlp.Add(new Dense(2, activation: "softmax"));
            model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
            History h = model.Fit(x, y, epochs: 1, batchSize: 32);   // h["loss"], h["accuracy"]: one value per epoch
            var scores = model.Evaluate(x, y);  Tensor p = model.Predict(x);
            model.Summary();                                 // Keras-like table: layer, output shape, params
            model.Save(path);  var m2 = Model.Load(path);

            // layer level, with autograd ("out" is a C# keyword: the snippet's variable is written @out)
            var dense = new Dense(4);
            Tensor a = Tensor.RandN(8, 3);  a.RequiresGrad = true;
            Tensor @out = dense.Call(a, training: true);      // builds on first call; a bare Call is inference
            @out.Backward(Tensor.Ones(8, 4));                // gradient of sum(out * seed)
            Tensor? da = a.Grad;  Tensor? dk = dense.TrainableWeights[0].Grad;   // Grad accumulates; set it to null to clear
            Tensor[] w = dense.GetWeights();  dense.SetWeights(w);   // Keras order and shapes

            model.Summary(line => printed.Add(line));

            // What the snippet promises.
            Assert.Equal([2, 2], shape);
            Assert.Equal([1f, 2, 3, 4], values);
            values[0] = 99;
            Assert.Equal(1f, t.ToArray()[0]);
            Assert.All(x.ToArray(), v => Assert.InRange(v, 0f, 0.99999994f));
            Assert.All(y.ToArray(), v => { Assert.InRange(v, 0f, 9f); Assert.Equal(MathF.Floor(v), v); });
            Assert.Single(h["loss"]);
            Assert.Single(h["accuracy"]);
            Assert.True(double.IsFinite(h["loss"][0]));
            Assert.InRange(h["accuracy"][0], 0, 1);
            Assert.True(scores.ContainsKey("loss") && scores.ContainsKey("accuracy"));
            Assert.Equal([64, 10], p.Shape);
            for (int r = 0; r < 64; r++) Assert.Equal(1.0, p.ToArray().Skip(r * 10).Take(10).Sum(), 4);
            Assert.Equal(p.ToArray(), m2.Predict(x).ToArray());
            Assert.Equal([64, 2], mlp.Predict(Tensor.Rand(64, 14)).Shape);
            Assert.Equal(4, mlp.Layers.Count);
            // da = seed @ kernel^T, dk = a^T @ seed.
            Assert.NotNull(da);
            Assert.NotNull(dk);
            Assert.Equal([8, 3], da!.Shape);
            Assert.Equal([3, 4], dk!.Shape);
            var kernel = dense.Weights[0].ToArray();
            for (int i = 0; i < 3; i++) Assert.Equal(kernel.Skip(i * 4).Take(4).Sum(), da[0, i], 4);
            var aValues = a.ToArray();
            for (int i = 0; i < 3; i++) Assert.Equal(Enumerable.Range(0, 8).Sum(r => aValues[r * 3 + i]), dk[i, 0], 4);
            Assert.Equal(2, w.Length);
            Assert.Equal([3, 4], w[0].Shape);
            Assert.Equal([4], w[1].Shape);
            // Summary: a Keras-like table naming each layer, its output shape and its params.
            string table = string.Join("\n", printed);
            Assert.Contains("conv2d", table);
            Assert.Contains("(None, 28, 28, 32)", table);
            Assert.Contains("(None, 10)", table);
            Assert.Contains((3 * 3 * 1 * 32 + 32).ToString(), table);
            Assert.Contains(model.CountParams().ToString("N0"), table);
        }
        finally
        {
            Console.SetOut(stdout);
            File.Delete(path);
        }
    }

    [Fact]
    public void TensorBasics_FromTheContract()
    {
        var z = Tensor.Zeros(2, 3);
        var o = Tensor.Ones(2, 3);
        var f = Tensor.Full([2, 3], 2.5);
        Assert.All(z.ToArray(), v => Assert.Equal(0f, v));
        Assert.All((o + f).ToArray(), v => Assert.Equal(3.5f, v));
        Assert.All((f * f - o / f).ToArray(), v => Assert.Equal(6.25f - 0.4f, v, 5));
        Assert.Equal(15f, (o + f * 2.0 - 1.0).Sum().Item() / 2, 5);
        Assert.Equal(2.5f, f.Mean().Item(), 6);
        Assert.Equal([3, 2], f.Reshape(3, 2).Shape);
        Assert.Equal([6], f.Reshape(-1).Shape);
        NormLabRandom.SetSeed(5);
        var first = Tensor.RandN(100).ToArray();
        NormLabRandom.SetSeed(5);
        Assert.Equal(first, Tensor.RandN(100).ToArray());
        Assert.InRange(first.Average(), -0.4, 0.4);
    }
}

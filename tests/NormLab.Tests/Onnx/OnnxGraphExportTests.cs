using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Onnx;

/// <summary>Functional models export with their inputs and outputs by name: shared layers, merges, nested models.</summary>
public class OnnxGraphExportTests
{
    [Fact]
    public void SeveralInputsOutputsSharedLayersAndMergesExport()
    {
        NormLabRandom.SetSeed(5);
        var a = new Input([6], name: "a");
        var b = new Input([4, 3], name: "b");
        var ha = new Dense(6, activation: "relu").Call(a);
        var hb = new Flatten().Call(new Conv1D(2, 2).Call(b));
        var shared = new Dense(5, activation: "tanh");
        var ja = shared.Call(ha);
        var jb = shared.Call(hb);
        SymbolicTensor[] merges =
        [
            new Concatenate().Call([ja, jb]), new Multiply().Call([ja, jb]), new Average().Call([ja, jb]),
            new Subtract().Call([ja, jb]), new Maximum().Call([ja, jb]), new Minimum().Call([ja, jb]),
            new Dot(axes: 1, normalize: true).Call([ja, jb]), new Add().Call([ja, jb]),
        ];
        var cls = new Dense(3, activation: "softmax", name: "cls").Call(new Concatenate().Call(merges));
        var reg = new Dense(1, name: "reg").Call(new Subtract().Call([ja, jb]));
        var model = new Model([a, b], [cls, reg]);
        var xa = GradCheck.Uniform(1, -1, 1, 3, 6);
        var xb = GradCheck.Uniform(2, -1, 1, 3, 4, 3);
        var expected = model.Predict([xa, xb]);
        var path = Path.Combine(Path.GetTempPath(), $"normlab-onnx-graph-{Environment.ProcessId}.onnx");
        try
        {
            model.ExportOnnx(path);
            using var session = new InferenceSession(path);
            Assert.Equal(["a", "b"], session.InputMetadata.Keys.ToArray());
            Assert.Equal(["cls", "reg"], session.OutputMetadata.Keys.ToArray());
            using var results = session.Run(
            [
                NamedOnnxValue.CreateFromTensor("a", new DenseTensor<float>(xa.ToArray(), xa.Shape)),
                NamedOnnxValue.CreateFromTensor("b", new DenseTensor<float>(xb.ToArray(), xb.Shape)),
            ]);
            var byName = results.ToDictionary(r => r.Name, r => r.AsEnumerable<float>().ToArray());
            AssertClose(expected[0].ToArray(), byName["cls"]);
            AssertClose(expected[1].ToArray(), byName["reg"]);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void NestedFunctionalModelsAndResidualGraphsExport()
    {
        NormLabRandom.SetSeed(6);
        var inner = new Input([8, 8, 3]);
        var conv = new Conv2D(3, (3, 3), padding: "same").Call(inner);
        var block = new Model(inner, new Activation("relu").Call(new Add().Call([inner, new BatchNormalization().Call(conv)])), name: "block");
        var x = new Input([8, 8, 3]);
        var y = new Dense(2).Call(new GlobalAveragePooling2D().Call(block.Call(x)));
        var model = new Model(x, y);
        var input = GradCheck.Uniform(3, -1, 1, 2, 8, 8, 3);
        var expected = model.Predict(input).ToArray();
        var path = Path.Combine(Path.GetTempPath(), $"normlab-onnx-nested-{Environment.ProcessId}.onnx");
        try
        {
            model.ExportOnnx(path);
            using var session = new InferenceSession(path);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.Single(), new DenseTensor<float>(input.ToArray(), input.Shape))]);
            AssertClose(expected, results.Single().AsEnumerable<float>().ToArray());
        }
        finally { File.Delete(path); }
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(1e-3, expected.Max(v => Math.Abs(v)));
        double worst = expected.Zip(actual, (p, q) => Math.Abs(p - q)).Max();
        Assert.True(worst <= 1e-5 * scale, $"max |ONNX Runtime - Predict| = {worst:G3} > 1e-5 x {scale:G3}");
    }
}

using NormLab.Onnx;
using NormLab.Onnx.Import;
using NormLab.Onnx.Proto;
using Xunit;

namespace NormLab.Tests.Onnx;

/// <summary>
/// Time-major values (a Transpose that moves the batch axis, as exporters write before LSTM and GRU):
/// held batch first, they pass through elementwise operators and back, and an operator that needs
/// ONNX's axis order refuses them with a clear error. Graphs are built here with the exporter's builder.
/// </summary>
public class OnnxImportLayoutTests
{
    [Fact]
    public void TimeMajorValueThroughAnElementwiseOperatorComesBackInPlace()
    {
        var g = Graph([-1, 3, 4]);
        var timeMajor = g.Node("Transpose", "to_time", ["x"], OnnxGraph.Attr("perm", [1, 0, 2]));
        var shifted = g.Node("Add", "shift", [g.Node("Relu", "relu", [timeMajor]), g.Scalar("one", 1)]);
        Output(g, g.Node("Transpose", "to_batch", [shifted], OnnxGraph.Attr("perm", [1, 0, 2])), [-1, 3, 4]);
        var model = Import(g);
        var x = Tensor.FromArray(Enumerable.Range(0, 24).Select(i => i % 5 - 2f).ToArray(), [2, 3, 4]);
        Assert.Equal(x.ToArray().Select(v => Math.Max(v, 0) + 1), model.Predict(x).ToArray());
    }

    [Fact]
    public void TimeMajorValueIntoFlattenIsRefused()
    {
        var g = Graph([-1, 3, 4]);
        var timeMajor = g.Node("Transpose", "to_time", ["x"], OnnxGraph.Attr("perm", [1, 0, 2]));
        Output(g, g.Node("Flatten", "flat", [timeMajor]), [-1, 12]);
        var error = Assert.Throws<NotSupportedException>(() => Import(g));
        Assert.Contains("batch is ONNX axis 1", error.Message);
    }

    [Fact]
    public void LstmWithANonZeroInitialStateIsRefused()
    {
        var g = Graph([-1, 5, 2]);
        var timeMajor = g.Node("Transpose", "to_time", ["x"], OnnxGraph.Attr("perm", [1, 0, 2]));
        string[] inputs = [timeMajor, g.Initializer("w", new float[12 * 2], 1, 12, 2), g.Initializer("r", new float[12 * 3], 1, 12, 3), "", "",
            g.Initializer("h0", Enumerable.Repeat(0.5f, 6).ToArray(), 1, 2, 3)];
        var outputs = g.NodeOutputs("LSTM", "lstm", inputs, 2, OnnxGraph.Attr("hidden_size", 3L));
        Output(g, outputs[1], [1, -1, 3]);
        var error = Assert.Throws<NotSupportedException>(() => Import(g));
        Assert.Contains("(LSTM)", error.Message);
        Assert.Contains("initial_h", error.Message);
    }

    [Fact]
    public void ConstantThatDependsOnTheBatchSizeIsRefusedOutsideReshape()
    {
        var g = Graph([-1, 3, 4]);
        var ones = g.Node("ConstantOfShape", "ones", [g.Node("Shape", "shape", ["x"])]);
        Output(g, g.Node("Add", "plus_ones", ["x", ones]), [-1, 3, 4]);
        var error = Assert.Throws<NotSupportedException>(() => Import(g));
        Assert.Contains("(Add)", error.Message);
        Assert.Contains("depends on the batch size", error.Message);
    }

    private static OnnxGraph Graph(int[] input)
    {
        var g = new OnnxGraph(13);
        g.Proto.Input.Add(OnnxGraph.FloatValue("x", input));
        return g;
    }

    private static void Output(OnnxGraph g, string name, int[] shape) => g.Proto.Output.Add(OnnxGraph.FloatValue(name, shape));

    private static Model Import(OnnxGraph g) => OnnxImporter.Import(new ModelProto { Graph = g.Proto });
}

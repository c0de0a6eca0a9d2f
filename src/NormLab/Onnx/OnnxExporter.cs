using NormLab.Onnx.Proto;

namespace NormLab.Onnx;

/// <summary>Turns a built model into an ONNX ModelProto: one input "input", one output "output", channels-last.</summary>
internal static class OnnxExporter
{
    internal static ModelProto Export(Model model, int opset)
    {
        if (opset < 13 || opset > 21)
            throw new ArgumentException($"ExportOnnx: opset must be in [13, 21], received {opset}.");
        var inputShape = model.BuiltInputShape
            ?? throw new InvalidOperationException($"ExportOnnx: model '{model.Name}' is not built; call it, Fit it or Build it first.");
        var g = new OnnxGraph(opset);
        int[] shape = [-1, .. inputShape[1..]];
        var input = new OnnxValue(g.Fresh("input"), shape);
        g.Proto.Input.Add(OnnxGraph.FloatValue(input.Name, shape));
        var result = OnnxLayers.Export(g, model, [input]);
        var output = g.Layout(result, channelsFirst: false);
        g.Node("Identity", "output", [output.Name]);
        g.Proto.Node[^1].Output[0] = "output";
        g.Proto.Output.Add(OnnxGraph.FloatValue("output", output.Shape));
        var proto = new ModelProto
        {
            IrVersion = opset >= 21 ? 10 : opset >= 19 ? 9 : 8,
            ProducerName = "NormLab",
            ProducerVersion = typeof(Model).Assembly.GetName().Version?.ToString() ?? "",
            Graph = g.Proto,
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return proto;
    }
}

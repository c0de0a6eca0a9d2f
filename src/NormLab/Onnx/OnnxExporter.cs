using NormLab.Onnx.Proto;

namespace NormLab.Onnx;

/// <summary>Turns a built model into an ONNX ModelProto: one input "input", one output "output", channels-last.</summary>
internal static class OnnxExporter
{
    internal static ModelProto Export(Model model, int opset)
    {
        if (opset < 13 || opset > 21)
            throw new ArgumentException($"ExportOnnx: opset must be in [13, 21], received {opset}.");
        var g = new OnnxGraph(opset);
        OnnxValue[] inputs, outputs;
        string[] outputNames;
        if (model is not Sequential && model.IsFunctional)
        {
            // Graph inputs and outputs keep the model's names: one per Input, one per output.
            inputs = model.Inputs.Select(i => new OnnxValue(g.Fresh(i.Name), [-1, .. i.Shape])).ToArray();
            outputs = OnnxLayers.ExportGraph(g, model, inputs);
            outputNames = model.Outputs.Count == 1 ? ["output"] : model.OutputNames.ToArray();
        }
        else
        {
            var inputShape = model.BuiltInputShape
                ?? throw new InvalidOperationException($"ExportOnnx: model '{model.Name}' is not built; call it, Fit it or Build it first.");
            inputs = [new OnnxValue(g.Fresh("input"), [-1, .. inputShape[1..]])];
            outputs = [OnnxLayers.Export(g, model, inputs)];
            outputNames = ["output"];
        }
        foreach (var input in inputs) g.Proto.Input.Add(OnnxGraph.FloatValue(input.Name, input.Shape));
        for (int i = 0; i < outputs.Length; i++)
        {
            var output = g.Layout(outputs[i], channelsFirst: false);
            g.Node("Identity", outputNames[i], [output.Name]);
            g.Proto.Node[^1].Output[0] = outputNames[i];
            g.Proto.Output.Add(OnnxGraph.FloatValue(outputNames[i], output.Shape));
        }
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

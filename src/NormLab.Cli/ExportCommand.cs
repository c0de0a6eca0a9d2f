namespace NormLab.Cli;

/// <summary>`normlab export MODEL model.onnx`: a saved NormLab model as an ONNX inference graph (Model.ExportOnnx).</summary>
internal static class ExportCommand
{
    internal const string Usage = "normlab export MODEL.normlab model.onnx [--opset 17]";

    internal static int Run(Options options)
    {
        string source = options.Positional ?? throw new ArgumentException($"export needs a model file and an ONNX file: {Usage}.");
        string target = options.SecondPositional ?? throw new ArgumentException($"export needs an ONNX file to write: {Usage}.");
        int opset = options.Int("opset", 17, min: 1);
        options.RejectUnknown();
        if (!File.Exists(source)) throw new ArgumentException($"the model file '{source}' does not exist.");
        var model = Model.Load(source);
        try
        {
            model.ExportOnnx(target, opset);
        }
        catch (NotSupportedException e)
        {
            throw new InvalidOperationException(e.Message, e);
        }
        Console.WriteLine($"{source} -> {target}: ONNX opset {opset}, input per sample ({string.Join(", ", model.BuiltInputShape![1..])}), channels last as Predict takes it.");
        return 0;
    }
}

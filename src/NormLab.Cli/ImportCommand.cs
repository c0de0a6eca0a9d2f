namespace NormLab.Cli;

/// <summary>`normlab import model.onnx MODEL`: an ONNX model (e.g. from torch.onnx.export) saved as a trainable NormLab model.</summary>
internal static class ImportCommand
{
    internal const string Usage = "normlab import model.onnx MODEL.normlab";

    internal static int Run(Options options)
    {
        string source = options.Positional ?? throw new ArgumentException($"import needs an ONNX file and a model file: {Usage}.");
        string target = options.SecondPositional ?? throw new ArgumentException($"import needs a model file to write: {Usage}.");
        options.RejectUnknown();
        if (!File.Exists(source)) throw new ArgumentException($"the ONNX file '{source}' does not exist.");
        Model model;
        try
        {
            model = Model.ImportOnnx(source);
        }
        catch (NotSupportedException e)
        {
            throw new InvalidOperationException(e.Message, e);
        }
        model.Save(target);
        Console.WriteLine($"{Path.GetFileName(source)} -> {target}: {model.Layers.Count} layers, {model.CountParams():N0} weights; input per sample ({string.Join(", ", model.BuiltInputShape![1..])}), channels last.");
        return 0;
    }
}

using Google.Protobuf;
using NormLab.Onnx;

namespace NormLab;

public partial class Model
{
    /// <summary>
    /// Writes the model's inference graph as an ONNX file that takes the same input as <c>Predict</c>
    /// (channels-last, any batch size) and gives the same output. Normalization layers become ONNX's own
    /// operators where one has their semantics, otherwise exact subgraphs of primitive operators.
    /// </summary>
    /// <param name="path">The .onnx file to write (atomically: a temporary file, then a rename).</param>
    /// <param name="opset">The ONNX operator set (17 by default; 13 to 21).</param>
    /// <exception cref="NotSupportedException">A layer has no ONNX mapping (the message names it and lists those that export).</exception>
    /// <example><code>model.ExportOnnx("model.onnx");</code></example>
    public void ExportOnnx(string path, int opset = 17)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var bytes = OnnxExporter.Export(this, opset).ToByteArray();
        Saving.AtomicFile.Write(path, stream => stream.Write(bytes));
    }
}

using NormLab.Onnx.Import;
using NormLab.Onnx.Proto;

namespace NormLab;

public partial class Model
{
    /// <summary>
    /// Reads an ONNX file (from torch.onnx.export, NormLab's <see cref="ExportOnnx"/>, ...) as a functional
    /// NormLab model with the same outputs and trainable weights, so it can be fine-tuned. A 4-D input
    /// (N, C, H, W) becomes channels-last: <see cref="Predict(Tensor, int, int?, IEnumerable{Callbacks.Callback}?)"/> takes (N, H, W, C); the output is in the
    /// ONNX graph's own layout.
    /// </summary>
    /// <remarks>
    /// The batch axis stays the first axis of the model's input and output. LSTM and GRU import forward,
    /// from a zero state; their time-major (time, batch, features) input comes from a Transpose of the
    /// batch-first input, as torch.onnx.export writes for <c>batch_first=True</c>. PyTorch's LSTM has two
    /// bias vectors where the imported (Keras-layout) LSTM has their sum, so SGD moves it half as fast.
    /// </remarks>
    /// <param name="path">The .onnx file.</param>
    /// <exception cref="NotSupportedException">An operator or attribute does not import (the message names the node, its operator and the supported operators).</exception>
    /// <example><code>var model = Model.ImportOnnx("resnet.onnx"); model.Compile(optimizer: "sgd", loss: "mse");</code></example>
    public static Model ImportOnnx(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"ImportOnnx: the file '{path}' does not exist.", path);
        ModelProto proto;
        try
        {
            proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new FormatException($"ImportOnnx: '{path}' is not an ONNX model: {e.Message}", e);
        }
        return OnnxImporter.Import(proto);
    }
}

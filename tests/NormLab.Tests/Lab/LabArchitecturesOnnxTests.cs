using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NormLab.Cli.Lab;
using NormLab.Tests.Onnx;
using Xunit;

namespace NormLab.Tests.Lab;

/// <summary>Every architecture of `normlab compare --arch` exports to ONNX, and ONNX Runtime reproduces Predict.</summary>
public sealed class LabArchitecturesOnnxTests
{
    public static TheoryData<string> Names() => new(Architectures.Names);

    [Theory]
    [MemberData(nameof(Names))]
    public void OnnxRuntimeReproducesPredict(string arch)
    {
        // A normalization with moving statistics where the architecture takes one (the transformers' blocks take layer norm).
        var norm = NormalizationCatalog.Get(Architectures.IsTransformer(arch) ? "layer" : "batch");
        int? depth = Architectures.HasDepth(arch) ? 3 : null;
        var placement = Enum.Parse<Placement>(Architectures.DefaultPlacement(arch), ignoreCase: true);
        int[] input = [2, .. Architectures.Shape(arch, Tensor.Zeros(1, 28, 28, 1)).Shape[1..]];
        var (model, x) = OnnxExportTests.Build(new OnnxExportTests.Case(arch, () => Architectures.Build(arch, norm, placement, [28, 28, 1], 10, depth), input));
        string path = Path.Combine(Path.GetTempPath(), $"normlab-lab-onnx-{arch}-{Environment.ProcessId}.onnx");
        try
        {
            model.ExportOnnx(path);
            using var session = new InferenceSession(path);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.Single(), new DenseTensor<float>(x.ToArray(), x.Shape))]);
            var actual = results.Single().AsEnumerable<float>().ToArray();
            var expected = model.Predict(x).ToArray();
            Assert.Equal(expected.Length, actual.Length);
            double worst = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(worst <= 1e-5, $"{arch}: max |ONNX Runtime - Predict| = {worst:G3}");
        }
        finally { File.Delete(path); }
    }
}

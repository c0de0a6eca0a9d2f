using Xunit;

namespace NormLab.Tests.Onnx;

/// <summary>NormLab export, then import: the imported model predicts what the original did.</summary>
public class OnnxImportRoundTripTests
{
    /// <summary>The export tests' models whose exported operators all import.</summary>
    public static TheoryData<OnnxExportTests.Case> ImportableCases() =>
        new(OnnxExportTests.Cases.Where(c => Importable.Contains(c.Name)));

    private static readonly string[] Importable =
        ["dense_relu_softmax", "conv_same_pool", "conv_strided_same", "batch_norm_cnn"];

    [Theory]
    [MemberData(nameof(ImportableCases))]
    public void ExportThenImportPredictsTheSame(OnnxExportTests.Case c)
    {
        var (model, x) = OnnxExportTests.Build(c);
        var path = Path.Combine(Path.GetTempPath(), $"normlab-roundtrip-{c.Name}-{Environment.ProcessId}.onnx");
        try
        {
            model.ExportOnnx(path);
            var imported = Model.ImportOnnx(path);
            OnnxImportAssert.Close(model.Predict(x).ToArray(), imported.Predict(x).ToArray(), 1e-5, c.Name);
        }
        finally { File.Delete(path); }
    }
}

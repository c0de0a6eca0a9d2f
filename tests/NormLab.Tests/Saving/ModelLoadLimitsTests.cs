using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Saving;

/// <summary>
/// Model.Load checks a file against itself before it builds anything: a config edited to absurd sizes fails at
/// once with a FormatException naming the layer (it took 18 s and 4.2 GB before), and so do a format version
/// from the future and a value of the wrong kind in a layer's config.
/// </summary>
public sealed class ModelLoadLimitsTests() : TemporaryFolderTests("normlab-load-")
{
    /// <summary>A small saved model whose config.json is then changed by <paramref name="edit"/>.</summary>
    private string SavedWithConfig(Action<JsonObject> edit)
    {
        var model = new Sequential([new Flatten(inputShape: [4, 4]), new Dense(3, activation: "relu", name: "hidden"), new Dense(2, name: "out")]);
        string path = Path.Combine(dir, $"{Guid.NewGuid():N}.normlab");
        model.Save(path);
        JsonObject config;
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry("config.json")!;
            using (var reader = new StreamReader(entry.Open())) config = JsonNode.Parse(reader.ReadToEnd())!.AsObject();
            edit(config);
            entry.Delete();
            using var stream = zip.CreateEntry("config.json").Open();
            stream.Write(Encoding.UTF8.GetBytes(config.ToJsonString()));
        }
        return path;
    }

    private static JsonObject Layer(JsonObject config, int index) => config["model"]!["config"]!["layers"]![index]!["config"]!.AsObject();

    private static FormatException LoadFails(string path)
    {
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<FormatException>(() => Model.Load(path));
        Assert.True(clock.Elapsed.TotalSeconds < 2, $"refusing took {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 64 << 20, "refusing allocated more than 64 MB");
        Assert.Contains(Path.GetFileName(path), e.Message);
        return e;
    }

    [Fact]
    public void UnitsFarBeyondTheSavedWeightsAreRefusedBeforeAllocating()
    {
        var e = LoadFails(SavedWithConfig(c => Layer(c, 1)["units"] = 15_000_000));
        Assert.Contains("'hidden'", e.Message);
        Assert.Contains("does not match the saved weights", e.Message);
    }

    [Fact]
    public void AHugeInputShapeIsRefusedBeforeAllocating()
    {
        var e = LoadFails(SavedWithConfig(c => c["build_input_shape"] = new JsonArray(1, 16000, 16000)));
        Assert.Contains("'hidden'", e.Message);
    }

    [Fact]
    public void AFormatVersionFromTheFutureIsRefused()
    {
        var e = LoadFails(SavedWithConfig(c => c["version"] = 99));
        Assert.Contains("format version 99", e.Message);
    }

    [Fact]
    public void AnActivationSavedAsAnObjectIsRefusedNotReadAsLinear()
    {
        var e = LoadFails(SavedWithConfig(c => Layer(c, 1)["activation"] = new JsonObject { ["class_name"] = "ReLU" }));
        Assert.Contains("'hidden'", e.Message);
        Assert.Contains("'activation'", e.Message);
    }

    [Fact]
    public void AWeightsHeaderWithoutDataOffsetsSaysSo()
    {
        var json = Encoding.UTF8.GetBytes("""{"w": {"dtype": "F32", "shape": [2]}}""");
        var bytes = new byte[8 + json.Length + 8];
        BitConverter.GetBytes((ulong)json.Length).CopyTo(bytes, 0);
        json.CopyTo(bytes, 8);
        var e = Assert.Throws<FormatException>(() => NormLab.Saving.SafeTensors.Read(bytes));
        Assert.Contains("'w' has no data_offsets", e.Message);
    }

    [Fact]
    public void AWeightTooLargeForAnArrayNamesTheLayer()
    {
        var dense = new Dense(1 << 30, name: "wide");
        var e = Assert.Throws<ArgumentException>(() => dense.Build([1, 4]));
        Assert.Contains("'wide'", e.Message);
        Assert.Contains("kernel", e.Message);
    }

    [Fact]
    public void SetWeightsWithANullElementNamesIt()
    {
        var dense = new Dense(2, name: "d");
        dense.Build([1, 3]);
        var e = Assert.Throws<ArgumentException>(() => dense.SetWeights([null!, Tensor.Zeros(2)]));
        Assert.Contains("'d'", e.Message);
        Assert.Contains("weights[0] null", e.Message);
    }
}

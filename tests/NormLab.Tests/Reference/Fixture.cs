using System.Text.Json;

namespace NormLab.Tests.Reference;

/// <summary>
/// A golden reference fixture produced by tests/reference/make_core_fixtures.py (PyTorch, float64,
/// Keras conventions). Files live in Fixtures/core/&lt;case&gt;.json and are copied to the test output
/// directory by the csproj. Layout:
/// <c>{"case": name, "config": {...}, "tensors": {name: {"shape": [...], "data": [...]}}}</c>.
/// </summary>
public sealed class Fixture
{
    private readonly Dictionary<string, (int[] Shape, float[] Data)> _tensors;

    public string Case { get; }
    public JsonElement Config { get; }

    private Fixture(string @case, JsonElement config, Dictionary<string, (int[] Shape, float[] Data)> tensors)
    {
        Case = @case;
        Config = config;
        _tensors = tensors;
    }

    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Fixtures", "core");

    /// <summary>Loads Fixtures/core/&lt;name&gt;.json from the test output directory.</summary>
    public static Fixture Load(string name)
    {
        string path = Path.Combine(Directory, name + ".json");
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"Reference fixture '{name}' not found at {path}. Regenerate with " +
                "'/usr/bin/python3 tests/reference/make_core_fixtures.py'.", path);

        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement root = doc.RootElement;
        string @case = root.GetProperty("case").GetString()!;
        JsonElement config = root.GetProperty("config").Clone();

        var tensors = new Dictionary<string, (int[] Shape, float[] Data)>(StringComparer.Ordinal);
        foreach (JsonProperty p in root.GetProperty("tensors").EnumerateObject())
        {
            int[] shape = p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            float[] data = p.Value.GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            long expected = 1;
            foreach (int d in shape) expected *= d;
            if (expected != data.Length)
                throw new InvalidDataException(
                    $"{name}: tensor '{p.Name}' has shape [{string.Join(",", shape)}] but {data.Length} values.");
            tensors[p.Name] = (shape, data);
        }
        return new Fixture(@case, config, tensors);
    }

    public bool Has(string tensor) => _tensors.ContainsKey(tensor);

    public int[] Shape(string tensor) => (int[])Get(tensor).Shape.Clone();

    public float[] Data(string tensor) => (float[])Get(tensor).Data.Clone();

    /// <summary>A fresh NormLab tensor holding the named fixture tensor (rank 0 for scalars).</summary>
    public NormLab.Tensor GetTensor(string tensor)
    {
        var (shape, data) = Get(tensor);
        return NormLab.Tensor.FromArray((float[])data.Clone(), (int[])shape.Clone());
    }

    private (int[] Shape, float[] Data) Get(string tensor) =>
        _tensors.TryGetValue(tensor, out var t)
            ? t
            : throw new KeyNotFoundException($"{Case}: fixture has no tensor '{tensor}'.");

    // ---- config accessors (Keras camelCase keys) ----

    public int Int(string key) => Config.GetProperty(key).GetInt32();

    public bool Bool(string key) => Config.GetProperty(key).GetBoolean();

    public string String(string key) => Config.GetProperty(key).GetString()!;

    public bool IsNull(string key) =>
        !Config.TryGetProperty(key, out JsonElement e) || e.ValueKind == JsonValueKind.Null;

    /// <summary>A two-element JSON array such as "kernelSize": [3, 3] as a tuple.</summary>
    public (int, int) IntPair(string key)
    {
        JsonElement e = Config.GetProperty(key);
        if (e.GetArrayLength() != 2)
            throw new InvalidDataException($"{Case}: config '{key}' is not a pair.");
        return (e[0].GetInt32(), e[1].GetInt32());
    }
}

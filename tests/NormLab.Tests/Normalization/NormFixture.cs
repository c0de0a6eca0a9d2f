using System.Text.Json.Nodes;
using Xunit;

namespace NormLab.Tests.Normalization;

/// <summary>Reads the JSON fixtures written by tests/reference/make_norm_fixtures.py.</summary>
internal sealed class NormFixture
{
    public JsonObject Config { get; }
    private readonly JsonObject tensors;

    private NormFixture(JsonObject root)
    {
        Config = (JsonObject)root["config"]!;
        tensors = (JsonObject)root["tensors"]!;
    }

    /// <summary>Loads Fixtures/<paramref name="folder"/>/<paramref name="name"/>.json ("norm" by default).</summary>
    public static NormFixture Load(string name, string folder = "norm")
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", folder, name + ".json");
        return new NormFixture((JsonObject)JsonNode.Parse(File.ReadAllText(path))!);
    }

    public Tensor T(string name, bool requiresGrad = false)
    {
        var o = (JsonObject)(tensors[name] ?? throw new KeyNotFoundException(name));
        var shape = o["shape"]!.AsArray().Select(v => v!.GetValue<int>()).ToArray();
        var data = o["data"]!.AsArray().Select(v => (float)v!.GetValue<double>()).ToArray();
        var t = Tensor.FromArray(data, shape);
        t.RequiresGrad = requiresGrad;
        return t;
    }

    public bool Has(string name) => tensors.ContainsKey(name);

    /// <summary>|actual - expected| &lt;= atol + rtol * |expected| everywhere, shapes equal.</summary>
    public static void AssertClose(Tensor expected, Tensor? actual, string what, double rtol = 1e-4, double atol = 1e-5)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Shape, actual!.Shape);
        var e = expected.ToArray(); var a = actual.ToArray();
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= atol + rtol * Math.Abs(e[i]), $"{what}[{i}]: expected {e[i]}, got {a[i]}");
    }

    public void AssertClose(string expected, Tensor? actual, double rtol = 1e-4, double atol = 1e-5) =>
        AssertClose(T(expected), actual, expected, rtol, atol);
}

using Xunit;

namespace NormLab.Tests.Reference;

/// <summary>Every committed fixture parses and is self-consistent (independent of the NormLab API).</summary>
public class FixtureSanityTests
{
    [Fact]
    public void AllCoreFixturesLoad()
    {
        string[] files = System.IO.Directory.GetFiles(Fixture.Directory, "*.json");
        Assert.True(files.Length >= 40, $"expected the core fixtures in {Fixture.Directory}, found {files.Length}");
        foreach (string file in files)
        {
            string name = Path.GetFileNameWithoutExtension(file);
            Fixture f = Fixture.Load(name);
            Assert.Equal(name, f.Case);
            if (f.Has("seed"))
                Assert.Equal(f.Shape("y"), f.Shape("seed"));
            if (f.Has("dx"))
                Assert.Equal(f.Shape("x"), f.Shape("dx"));
            if (f.Has("dy_pred"))
                Assert.Equal(f.Shape("y_pred"), f.Shape("dy_pred"));
        }
    }

    [Fact]
    public void AssertCloseReportsWorstIndex()
    {
        RefAssert.AssertClose(new[] { 1f, 2f }, new[] { 1f, 2.00001f }, 1e-5, 1e-5, "ok");
        var ex = Assert.ThrowsAny<Exception>(() =>
            RefAssert.AssertClose(new[] { 1f, 2f, 3f }, new[] { 1.1f, 2f, 4f }, 1e-5, 1e-5, "bad"));
        Assert.Contains("flat index 2", ex.Message);
        Assert.Contains("2/3", ex.Message);
        Assert.ThrowsAny<Exception>(() =>
            RefAssert.AssertClose(new[] { 1f }, new[] { float.NaN }, 1e-5, 1e-5, "nan"));
    }
}

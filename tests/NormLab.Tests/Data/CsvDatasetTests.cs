using NormLab.Data;
using Xunit;

namespace NormLab.Tests.Data;

public sealed class CsvDatasetTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("normlab-csv-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Write(string text)
    {
        var path = Path.Combine(dir, "data.csv");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void ReadsFeaturesAndNamedLabels()
    {
        var path = Write("sepal,petal,species\n1.5,2,setosa\n3,4.25,virginica\n5,6,setosa\n");
        var (x, y, classes) = CsvDataset.Load(path);
        Assert.Equal([3, 2], x.Shape);
        Assert.Equal([1.5f, 2f, 3f, 4.25f, 5f, 6f], x.Data);
        Assert.Equal([0f, 1f, 0f], y.Data);
        Assert.Equal(["setosa", "virginica"], classes);
    }

    [Fact]
    public void LabelColumnByNameAndIntegerLabels()
    {
        var path = Write("label,a,b\n2,1,2\n0,3,4\n");
        var (x, y, classes) = CsvDataset.Load(path, labelColumn: "label");
        Assert.Equal([1f, 2f, 3f, 4f], x.Data);
        Assert.Equal([2f, 0f], y.Data);
        Assert.Equal(3, classes.Length);
    }

    [Fact]
    public void RaggedRowNamesFileAndLine()
    {
        var path = Write("a,b,y\n1,2,0\n1,0\n");
        var e = Assert.Throws<FormatException>(() => CsvDataset.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("line 3", e.Message);
    }

    [Fact]
    public void NonNumericFeatureIsRejected()
    {
        var path = Write("a,b,y\n1,x,0\n");
        var e = Assert.Throws<FormatException>(() => CsvDataset.Load(path));
        Assert.Contains("'b'", e.Message);
        Assert.Contains("'x' is not a number", e.Message);
    }

    [Fact]
    public void UnknownLabelColumnAndEmptyFilesAreRejected()
    {
        Assert.Contains("no column named 'z'", Assert.Throws<FormatException>(() => CsvDataset.Load(Write("a,y\n1,0\n"), "z")).Message);
        Assert.Contains("no data rows", Assert.Throws<FormatException>(() => CsvDataset.Load(Write("a,y\n"))).Message);
        Assert.Contains("empty", Assert.Throws<FormatException>(() => CsvDataset.Load(Write(""))).Message);
    }
}

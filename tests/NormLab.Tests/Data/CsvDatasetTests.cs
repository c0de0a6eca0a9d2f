using NormLab.Data;
using Xunit;

namespace NormLab.Tests.Data;

public sealed class CsvDatasetTests() : TemporaryFolderTests("normlab-csv-")
{
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

    [Fact]
    public void AHugeIntegerLabelIsAnErrorNotOneClassNamePerInteger()
    {
        // Before: 2,000,000,000 class names ("0", "1", ...), 13 GB and climbing.
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<FormatException>(() => CsvDataset.Load(Write("a,y\n1,0\n2,2000000000\n")));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 16 << 20);
        Assert.Contains("line 3", e.Message);
        Assert.Contains("'2000000000' is not a class index", e.Message);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("1e40")]
    public void NonFiniteOrOutOfRangeFeaturesAreErrors(string cell)
    {
        var e = Assert.Throws<FormatException>(() => CsvDataset.Load(Write($"a,b,y\n1,2,0\n3,{cell},1\n")));
        Assert.Contains("line 3, column 'b'", e.Message);
        Assert.Contains("not a finite number", e.Message);
    }

    [Fact]
    public void WholeNumberLabelsWrittenAsFloatsAreTheirClass()
    {
        // Before: "2.0" was read as a class name and became class 0.
        var (_, y, classes) = CsvDataset.Load(Write("a,y\n1,2.0\n2,0.0\n3,1\n"));
        Assert.Equal([2f, 0f, 1f], y.Data);
        Assert.Equal(["0", "1", "2"], classes);
    }

    [Theory]
    [InlineData("2.5")]
    [InlineData("-1")]
    [InlineData("NaN")]
    [InlineData("1e300")]
    public void NumericLabelsThatAreNoClassIndexAreErrors(string label)
    {
        var e = Assert.Throws<FormatException>(() => CsvDataset.Load(Write($"a,y\n1,0\n2,{label}\n")));
        Assert.Contains("line 3", e.Message);
        Assert.Contains($"'{label}' is not a class index", e.Message);
    }

    [Fact]
    public void QuotedFieldsMayHoldSeparatorsQuotesAndLineBreaks()
    {
        var path = Write("\"width, cm\",\"height\",species\r\n\"1.5\", 2 ,\"setosa, \"\"small\"\"\"\r\n3,4,\"two\nlines\"\r\n5,6,\"setosa, \"\"small\"\"\"\r\n7,8,x\n");
        var (x, y, classes) = CsvDataset.Load(path, labelColumn: "species");
        Assert.Equal([4, 2], x.Shape);
        Assert.Equal([1.5f, 2f, 3f, 4f, 5f, 6f, 7f, 8f], x.Data);
        Assert.Equal([0f, 1f, 0f, 2f], y.Data);
        Assert.Equal(["setosa, \"small\"", "two\nlines", "x"], classes);
        // Line numbers count the line break inside the quotes.
        var e = Assert.Throws<FormatException>(() => CsvDataset.Load(Write("a,y\n1,\"two\nlines\"\nz,0\n")));
        Assert.Contains("line 4", e.Message);
        Assert.Contains("never closed", Assert.Throws<FormatException>(() => CsvDataset.Load(Write("a,y\n1,\"open\n"))).Message);
    }
}

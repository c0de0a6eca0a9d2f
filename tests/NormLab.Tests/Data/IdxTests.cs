using System.IO.Compression;
using NormLab.Data;
using Xunit;

namespace NormLab.Tests.Data;

public sealed class IdxTests() : TemporaryFolderTests("normlab-idx-")
{
    private static byte[] Pixels(int n) => Enumerable.Range(0, n).Select(i => (byte)(i * 7)).ToArray();

    /// <summary>A tiny MNIST-layout directory: 5 training and 3 test images of 4x3 pixels.</summary>
    private void WriteSet(string ext, int trainLabels = 5)
    {
        Idx.Write(Path.Combine(dir, "train-images-idx3-ubyte" + ext), [5, 4, 3], Pixels(60));
        Idx.Write(Path.Combine(dir, "train-labels-idx1-ubyte" + ext), [trainLabels], Enumerable.Range(0, trainLabels).Select(i => (byte)(i % 10)).ToArray());
        Idx.Write(Path.Combine(dir, "t10k-images-idx3-ubyte" + ext), [3, 4, 3], Pixels(36));
        Idx.Write(Path.Combine(dir, "t10k-labels-idx1-ubyte" + ext), [3], [9, 8, 7]);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".gz")]
    public void LoadsPlainAndGzip(string ext)
    {
        WriteSet(ext);
        var (trainX, trainY, testX, testY) = FashionMnist.Load(dir);
        Assert.Equal([5, 4, 3, 1], trainX.Shape);
        Assert.Equal([5], trainY.Shape);
        Assert.Equal([3, 4, 3, 1], testX.Shape);
        Assert.Equal([9f, 8f, 7f], testY.Data);
        Assert.Equal(7 / 255f, trainX.Data[1], 6);
        Assert.InRange(trainX.Data.Max(), 0f, 1f);
        Assert.Equal([5, 4, 3, 1], Mnist.Load(dir).TrainImages.Shape);
    }

    [Fact]
    public void RoundTripsDims()
    {
        var path = Path.Combine(dir, "x.gz");
        Idx.Write(path, [2, 3], [1, 2, 3, 4, 5, 6]);
        var (dims, data) = Idx.Read(path);
        Assert.Equal([2, 3], dims);
        Assert.Equal([1, 2, 3, 4, 5, 6], data);
    }

    [Fact]
    public void WrongMagicNamesFileAndProblem()
    {
        var path = Path.Combine(dir, "bad-magic");
        File.WriteAllBytes(path, [0x1f, 0x8b, 8, 1, 0, 0, 0, 1, 5]);
        var e = Assert.Throws<FormatException>(() => Idx.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("magic", e.Message);
    }

    [Fact]
    public void UnsupportedTypeIsRejected()
    {
        var path = Path.Combine(dir, "floats");
        File.WriteAllBytes(path, [0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0]);
        var e = Assert.Throws<FormatException>(() => Idx.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("type", e.Message);
    }

    [Fact]
    public void TruncatedDataIsRejected()
    {
        var path = Path.Combine(dir, "short");
        Idx.Write(path, [2, 3], [1, 2, 3, 4, 5, 6]);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^2]);
        var e = Assert.Throws<FormatException>(() => Idx.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("need 6 data bytes but the file holds 4", e.Message);
    }

    [Fact]
    public void DimsNotMatchingDataAreRejected()
    {
        var path = Path.Combine(dir, "long");
        Idx.Write(path, [2, 3], [1, 2, 3, 4, 5, 6]);
        File.AppendAllText(path, "extra");
        var e = Assert.Throws<FormatException>(() => Idx.Read(path));
        Assert.Contains("need 6 data bytes but the file holds 11", e.Message);
    }

    [Fact]
    public void TruncatedHeaderIsRejected()
    {
        var path = Path.Combine(dir, "header");
        File.WriteAllBytes(path, [0, 0, 8, 3, 0, 0]);
        var e = Assert.Throws<FormatException>(() => Idx.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("too short", e.Message);
    }

    [Fact]
    public void GzipCutShortIsRejected()
    {
        var path = Path.Combine(dir, "cut.gz");
        Idx.Write(path, [100, 28, 28], Pixels(78400));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<FormatException>(() => Idx.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("gzip", e.Message);
    }

    [Fact]
    public void GzipMissingTrailerIsRejected()
    {
        // The deflate data is whole but the stream ends before its 8-byte trailer.
        var path = Path.Combine(dir, "trailer.gz");
        Idx.Write(path, [2, 3], [1, 2, 3, 4, 5, 6]);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^8]);
        Assert.Throws<FormatException>(() => Idx.Read(path));
    }

    [Fact]
    public void NotGzipAtAllIsRejected()
    {
        var path = Path.Combine(dir, "plain-named.gz");
        File.WriteAllBytes(path, [0, 0, 8, 1, 0, 0, 0, 1, 5]);
        var e = Assert.Throws<FormatException>(() => Idx.Read(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void ImageAndLabelCountMismatchIsRejected()
    {
        WriteSet(".gz", trainLabels: 4);
        var e = Assert.Throws<FormatException>(() => FashionMnist.Load(dir));
        Assert.Contains("train-images-idx3-ubyte.gz", e.Message);
        Assert.Contains("train-labels-idx1-ubyte.gz", e.Message);
        Assert.Contains("5 images but 4 labels", e.Message);
    }

    [Fact]
    public void ImagesWithWrongRankAreRejected()
    {
        WriteSet("");
        Idx.Write(Path.Combine(dir, "t10k-images-idx3-ubyte"), [3, 12], Pixels(36));
        var e = Assert.Throws<FormatException>(() => FashionMnist.Load(dir));
        Assert.Contains("t10k-images-idx3-ubyte", e.Message);
        Assert.Contains("3 dimensions", e.Message);
    }

    [Fact]
    public void MissingFileNamesIt()
    {
        WriteSet("");
        File.Delete(Path.Combine(dir, "t10k-labels-idx1-ubyte"));
        var e = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(dir));
        Assert.Contains("t10k-labels-idx1-ubyte", e.Message);
    }

    /// <summary>Gzips <paramref name="bytes"/> into <paramref name="path"/> as they are (a header and data that may disagree).</summary>
    private static void Gzip(string path, byte[] bytes)
    {
        using var file = File.Create(path);
        using var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.SmallestSize);
        gzip.Write(bytes);
    }

    [Fact]
    public void AGzipHeaderDeclaringMoreThanTheFileCanHoldIsRefusedBeforeInflating()
    {
        var path = Path.Combine(dir, "huge-header.gz");
        Gzip(path, [0, 0, 8, 3, 0, 0, 0xEA, 0x60, 0, 0, 0x6D, 0x60, 0, 0, 0x6D, 0x60, 1, 2, 3]);
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<FormatException>(() => Idx.Read(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 16 << 20);
        Assert.Contains(path, e.Message);
        Assert.Contains("more than a", e.Message);
    }

    [Fact]
    public void AGzipStreamLongerThanItsHeaderIsRefusedWithoutInflatingAllOfIt()
    {
        // Before: a 2.2 MB file inflated to 3.7 GB, then "Stream was too long" without the file's name.
        var path = Path.Combine(dir, "bomb.gz");
        var bytes = new byte[64 << 20];
        new byte[] { 0, 0, 8, 1, 0, 0, 0, 6 }.CopyTo(bytes, 0);
        Gzip(path, bytes);
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<FormatException>(() => Idx.Read(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 16 << 20, "inflated the whole stream");
        Assert.Contains(path, e.Message);
        Assert.Contains("more data than the header", e.Message);
    }

    [Fact]
    public void ALabelBeyondTheTenClassesIsRefused()
    {
        WriteSet("");
        Idx.Write(Path.Combine(dir, "t10k-labels-idx1-ubyte"), [3], [9, 200, 7]);
        var e = Assert.Throws<FormatException>(() => FashionMnist.Load(dir));
        Assert.Contains("t10k-labels-idx1-ubyte", e.Message);
        Assert.Contains("label 200 of sample 1 is outside [0, 10)", e.Message);
    }

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { -2, -3 })]
    public void WriteRefusesDimensionsTheHeaderCannotHold(int[] dims)
    {
        var e = Assert.Throws<ArgumentException>(() => Idx.Write(Path.Combine(Path.GetTempPath(), "never.idx"), dims, new byte[6]));
        Assert.Contains("Idx.Write: dimensions must be 1 to 255 sizes", e.Message);
        Assert.Throws<ArgumentException>(() => Idx.Write(Path.Combine(Path.GetTempPath(), "never.idx"), new int[256], []));
        Assert.Throws<ArgumentNullException>(() => Idx.Write(Path.Combine(Path.GetTempPath(), "never.idx"), null!, []));
    }
}

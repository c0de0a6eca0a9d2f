using NormLab.Data;

namespace NormLab.Cli.Lab;

/// <summary>Finds the images for `--data`: a directory, "subset" (the Fashion-MNIST subset shipped with NormLab), or by default
/// the full Fashion-MNIST of Debian's dataset-fashion-mnist when installed, else the subset.</summary>
internal static class DataLocator
{
    internal const string SubsetName = "fashion-mnist-subset";

    internal static string Resolve(string? data)
    {
        if (data is null or "" or "auto")
            return Directory.Exists(FashionMnist.DebianDirectory) ? FashionMnist.DebianDirectory : Subset();
        if (data == "subset") return Subset();
        if (data == "full")
            return Directory.Exists(FashionMnist.DebianDirectory) ? FashionMnist.DebianDirectory
                : throw new ArgumentException($"--data full needs Debian's dataset-fashion-mnist in {FashionMnist.DebianDirectory} (apt-get install dataset-fashion-mnist).");
        if (!Directory.Exists(data)) throw new ArgumentException($"--data: the directory '{data}' does not exist.");
        return data;
    }

    internal static ImageDataset Load(string? data) => FashionMnist.Load(Resolve(data));

    /// <summary>The shipped subset: copied beside the program at build time, or data/ in a source checkout.</summary>
    internal static string Subset()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "data", SubsetName);
        if (Directory.Exists(beside)) return beside;
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir != null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "data", SubsetName);
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"the Fashion-MNIST subset ({SubsetName}) is neither beside the program nor under data/; pass --data DIR.");
    }
}

namespace NormLab.Tests;

/// <summary>A base for tests that write files: each test gets its own new folder, deleted with everything in it afterwards.</summary>
/// <param name="prefix">The start of the folder's name, so a folder left by a crashed run says which tests made it.</param>
public abstract class TemporaryFolderTests(string prefix) : IDisposable
{
    /// <summary>The test's folder.</summary>
    protected readonly string dir = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>Deletes the folder and its contents.</summary>
    public void Dispose()
    {
        Directory.Delete(dir, recursive: true);
        GC.SuppressFinalize(this);
    }
}

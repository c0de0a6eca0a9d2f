namespace NormLab.Cli;

/// <summary>Checks an output file option (--out, --json) before any work, so a long run never ends in "cannot write".</summary>
internal static class OutputPath
{
    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming <paramref name="option"/> unless <paramref name="path"/>
    /// is a file name (not a directory) in an existing directory this process can create files in.
    /// </summary>
    internal static void Check(string option, string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException($"{option} needs a file name.");
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new ArgumentException($"{option} '{path}' is a directory; give the name of a file (in it or elsewhere).");
        string directory = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory)) throw new ArgumentException($"{option} '{path}': the directory '{directory}' does not exist.");
        // The file is written as a temporary beside it and renamed, so the directory must take a new file.
        string probe = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using var _ = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{option} '{path}': cannot write in the directory '{directory}': {e.Message}");
        }
    }
}

using System.Runtime.InteropServices;
using System.Text;

namespace NormLab.Saving;

/// <summary>
/// Replaces a file all at once: the content goes to a temporary file in the same directory, is flushed
/// to disk, and is renamed over the target. A crash, a kill or a full disk leaves either the old file or
/// the new one, never a truncated one; temporaries left by killed writes of the same target are removed
/// on the next write.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> with <paramref name="write"/>, atomically.</summary>
    internal static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string target = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(directory);
        string prefix = $".{Path.GetFileName(target)}.";
        RemoveStale(directory, prefix);
        string temporary = Path.Combine(directory, $"{prefix}{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(file);
                // fsync before the rename: otherwise a power cut can leave the new name on empty data.
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, target, overwrite: true);
            SyncDirectory(directory);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>
    /// fsync of the directory after the rename, so that a power cut cannot undo the rename itself
    /// (POSIX; .NET opens no directory handles, hence libc). Best effort: a file system that refuses
    /// it still got the flushed file.
    /// </summary>
    private static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        int fd = open(directory, 0 /* O_RDONLY */);
        if (fd < 0) return;
        fsync(fd);
        close(fd);
    }

    [DllImport("libc", SetLastError = true)] private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
    [DllImport("libc", SetLastError = true)] private static extern int fsync(int fd);
    [DllImport("libc")] private static extern int close(int fd);

    /// <summary>Writes <paramref name="text"/> as UTF-8, atomically.</summary>
    internal static void WriteText(string path, string text) => Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(text)));

    /// <summary>
    /// Deletes the temporaries of this target that no live writer holds: a writer keeps its temporary
    /// open with FileShare.None (an exclusive lock on Unix), so opening one that way only succeeds for
    /// the leftovers of a killed process.
    /// </summary>
    private static void RemoveStale(string directory, string prefix)
    {
        foreach (var stale in Directory.EnumerateFiles(directory, prefix + "*.tmp"))
        {
            try
            {
                using var held = new FileStream(stale, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
                File.Delete(stale);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }
}

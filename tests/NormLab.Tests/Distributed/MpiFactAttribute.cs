using Xunit;

namespace NormLab.Tests.Distributed;

/// <summary>
/// A fact that needs Open MPI (mpirun on the PATH and libmpi.so.40 loadable). On a machine without
/// them, Skip is set when the test is discovered, so the runner reports the test as skipped with the reason.
/// </summary>
public sealed class MpiFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Missing = new(FindMissing);

    public MpiFactAttribute()
    {
        if (Missing.Value is string reason) Skip = reason;
    }

    /// <summary>The full path of mpirun, or null.</summary>
    internal static string? Mpirun =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "mpirun")).FirstOrDefault(File.Exists);

    private static string? FindMissing()
    {
        if (Mpirun == null)
            return "Open MPI is not installed (no mpirun on the PATH): apt-get install openmpi-bin libopenmpi-dev";
        if (!System.Runtime.InteropServices.NativeLibrary.TryLoad("libmpi.so.40", out var handle))
            return "Open MPI's libmpi.so.40 cannot be loaded: apt-get install openmpi-bin libopenmpi-dev";
        System.Runtime.InteropServices.NativeLibrary.Free(handle);
        return null;
    }
}

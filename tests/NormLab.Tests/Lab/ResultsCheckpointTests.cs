using System.Diagnostics;
using NormLab.Cli.Lab;
using NormLab.Saving;
using Xunit;

namespace NormLab.Tests.Lab;

/// <summary>
/// `compare --json` rewrites its results after every run; a kill, a full disk or a failing write must leave
/// the previous checkpoint (every finished run) or the new one, never a truncated file.
/// </summary>
public sealed class ResultsCheckpointTests() : TemporaryFolderTests("normlab-checkpoint-")
{
    [Fact]
    public void KillsDuringCheckpointsAlwaysLeaveValidJsonWithEveryFinishedRun()
    {
        // Before the fix (File.WriteAllText in place), a kill here left a 0-byte or cut-off file.
        string path = Path.Combine(dir, "results.json");
        var rng = new Random(18);
        var clock = Stopwatch.StartNew();
        int kills = 0;
        while (kills < 3 || clock.Elapsed.TotalSeconds < 4)
        {
            int written = KillWhileWriting(path, delayMs: rng.Next(50, 400));
            kills++;
            if (written == 0) continue;
            var result = ResultsJson.Read(path);
            Assert.True(result.Runs.Count >= written, $"kill {kills}: the file holds {result.Runs.Count} runs, but {written} had been written");
        }
        // The temporaries of killed writes are removed by the next write: at most the last kill's is left.
        Assert.True(Directory.GetFiles(dir, "*.tmp").Length <= 1, string.Join(", ", Directory.GetFiles(dir)));
    }

    /// <summary>Starts the checkpoint loop, kills it (SIGKILL) <paramref name="delayMs"/> after its first write; returns the last count it reported written.</summary>
    private static int KillWhileWriting(string path, int delayMs)
    {
        var info = new ProcessStartInfo("dotnet", $"\"{Path.Combine(AppContext.BaseDirectory, "NormLab.Distributed.Worker.dll")}\" checkpoint \"{path}\"")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        int written = 0;
        var first = new ManualResetEventSlim();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && line.StartsWith("WROTE ", StringComparison.Ordinal))
            {
                Volatile.Write(ref written, int.Parse(line[6..]));
                first.Set();
            }
        };
        process.BeginOutputReadLine();
        Assert.True(first.Wait(TimeSpan.FromSeconds(20)), "the checkpoint loop wrote nothing");
        Thread.Sleep(delayMs);
        // What it reported before the kill was finished; the kill may land in the middle of the next write.
        int finished = Volatile.Read(ref written);
        process.Kill();
        process.WaitForExit();
        return finished;
    }

    [Fact]
    public void AFailingWriteKeepsThePreviousFileAndLeavesNoTemporary()
    {
        // A full disk, simulated: the write fails half-way.
        string path = Path.Combine(dir, "results.json");
        File.WriteAllText(path, "{\"previous\": true}");
        var ex = Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("{\"half"u8);
            throw new IOException("No space left on device");
        }));
        Assert.Contains("No space", ex.Message);
        Assert.Equal("{\"previous\": true}", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(dir));
    }

    [Fact]
    public void AStaleTemporaryOfTheSameTargetIsRemovedByTheNextWrite()
    {
        string path = Path.Combine(dir, "model.normlab");
        string stale = Path.Combine(dir, ".model.normlab.0123456789abcdef0123456789abcdef.tmp");
        string other = Path.Combine(dir, ".other.normlab.0123456789abcdef0123456789abcdef.tmp");
        File.WriteAllText(stale, "killed half-way");
        File.WriteAllText(other, "another target's");
        AtomicFile.WriteText(path, "new");
        Assert.Equal("new", File.ReadAllText(path));
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(other));
    }
}

using System.Diagnostics;
using System.Text.Json;

namespace NormLab.Tests.Distributed;

/// <summary>Runs the worker program (tests/NormLab.Distributed.Worker) alone or under mpirun.</summary>
internal static class MpiRun
{
    internal sealed record Outcome(int ExitCode, string Output, bool TimedOut)
    {
        /// <summary>The JSON after "RESULT " that rank 0 prints.</summary>
        internal JsonElement Result
        {
            get
            {
                int at = Output.IndexOf("RESULT ", StringComparison.Ordinal);
                if (at < 0) throw new InvalidOperationException($"the worker printed no RESULT line (exit {ExitCode}):\n{Output}");
                int end = Output.IndexOf('\n', at);
                return JsonDocument.Parse(Output[(at + 7)..(end < 0 ? Output.Length : end)]).RootElement;
            }
        }

        internal float[] Weights => Result.GetProperty("weights").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        internal double[] Losses => Result.GetProperty("losses").EnumerateArray().Select(e => e.GetDouble()).ToArray();
    }

    private static string Worker => Path.Combine(AppContext.BaseDirectory, "NormLab.Distributed.Worker.dll");

    /// <summary>The worker as one plain process (no MPI).</summary>
    internal static Outcome Single(string arguments) => Run("dotnet", $"\"{Worker}\" {arguments} --distributed 0", 120);

    /// <summary>The worker on <paramref name="ranks"/> processes.</summary>
    internal static Outcome Mpi(int ranks, string arguments, int timeoutSeconds = 120) =>
        Run("mpirun", $"--allow-run-as-root --oversubscribe -np {ranks} dotnet \"{Worker}\" {arguments}", timeoutSeconds);

    /// <summary>Any program of the test output directory (e.g. NormLab.Cli.dll) on <paramref name="ranks"/> processes,
    /// in <paramref name="workingDirectory"/>.</summary>
    internal static Outcome MpiProgram(int ranks, string dll, string arguments, string workingDirectory, int timeoutSeconds = 300) =>
        Run("mpirun", $"--allow-run-as-root --oversubscribe -np {ranks} dotnet \"{Path.Combine(AppContext.BaseDirectory, dll)}\" {arguments}",
            timeoutSeconds, workingDirectory);

    /// <summary>
    /// A program of the test output directory on one process per entry of <paramref name="argumentsPerRank"/>,
    /// each rank with its own arguments (mpirun's MPMD form: -np 1 prog a : -np 1 prog b).
    /// </summary>
    internal static Outcome MpiProgramPerRank(string dll, string workingDirectory, int timeoutSeconds, params string[] argumentsPerRank)
    {
        string program = $"dotnet \"{Path.Combine(AppContext.BaseDirectory, dll)}\"";
        return Run("mpirun", "--allow-run-as-root --oversubscribe " + string.Join(" : ", argumentsPerRank.Select(a => $"-np 1 {program} {a}")),
            timeoutSeconds, workingDirectory);
    }

    private static Outcome Run(string file, string arguments, int timeoutSeconds, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["OMPI_MCA_rmaps_base_oversubscribe"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        bool done = process.WaitForExit(timeoutSeconds * 1000);
        if (!done) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        return new Outcome(done ? process.ExitCode : -1, stdout.Result + stderr.Result, !done);
    }
}

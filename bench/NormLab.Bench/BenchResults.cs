using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace NormLab.Bench;

/// <summary>What every side-by-side benchmark needs to summarize its timings and record where they were measured.</summary>
internal static class BenchResults
{
    /// <summary>The median of the values (the mean of the middle two for an even count).</summary>
    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /// <summary>The one-minute load average on Linux, else null.</summary>
    internal static double? LoadAverage()
    {
        try
        {
            var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.Parse(first, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { return null; }
    }

    /// <summary>The repository root: the first folder above the current directory that holds bench/README.md; null outside the repository.</summary>
    internal static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "bench", "README.md"))) return dir.FullName;
        return null;
    }

    /// <summary>The commit the benchmark ran on (short hash), or "unknown".</summary>
    internal static string Commit(string root)
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse --short HEAD") { WorkingDirectory = root, RedirectStandardOutput = true, UseShellExecute = false })!;
            var output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 ? output : "unknown";
        }
        catch (System.ComponentModel.Win32Exception) { return "unknown (git not found)"; }
    }

    /// <summary>The machine in one line: processors, operating system, .NET version.</summary>
    internal static string Machine() =>
        $"{Environment.ProcessorCount} processors, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}";

    /// <summary>
    /// Writes bench/results/&lt;stem&gt;-&lt;UTC date&gt;.&lt;extension&gt; atomically (temporary file, then rename) and says where;
    /// nothing outside the repository. <paramref name="text"/> gets the path's root and returns the file's text.
    /// </summary>
    internal static void Write(string stem, string extension, Func<string, string> text)
    {
        if (RepositoryRoot() is not { } root)
        {
            Console.WriteLine("(no bench/ folder above the current directory: results file not written)");
            return;
        }
        var folder = Path.Combine(root, "bench", "results");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"{stem}-{DateTime.UtcNow:yyyy-MM-dd}.{extension}");
        File.WriteAllText(path + ".tmp", text(root));
        File.Move(path + ".tmp", path, overwrite: true);
        Console.WriteLine($"results written to {path}");
    }

    /// <summary>
    /// A Markdown results file: a title, where and when it ran (commit, machine, load, command), the header lines,
    /// the table and its notes.
    /// </summary>
    internal static void WriteMarkdown(string stem, string command, IEnumerable<string> header, IEnumerable<string> table, IEnumerable<string> notes) =>
        Write(stem, "md", root =>
        {
            var text = new StringBuilder()
                .AppendLine($"# {stem}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC")
                .AppendLine()
                .AppendLine($"- commit: {Commit(root)}")
                .AppendLine($"- machine: {Machine()}")
                .AppendLine($"- load average at the end: {(LoadAverage() is double l ? l.ToString("F1", CultureInfo.InvariantCulture) : "unknown")}")
                .AppendLine($"- command: {command}")
                .AppendLine();
            foreach (var line in header) text.AppendLine($"{line}  ");
            text.AppendLine();
            foreach (var line in table) text.AppendLine(line);
            text.AppendLine();
            foreach (var line in notes) text.AppendLine(line);
            return text.ToString();
        });
}

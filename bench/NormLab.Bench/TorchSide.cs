using System.Diagnostics;
using System.Text.Json;

namespace NormLab.Bench;

/// <summary>A PyTorch side script of bench/ (cnn_torch.py, conv_layers_torch.py) in --serve mode: one JSON line per "round" request.</summary>
internal sealed class TorchSide : IDisposable
{
    private readonly Process process;
    internal string Version { get; private init; } = "";
    internal int Threads { get; private init; }
    /// <summary>The OMP_WAIT_POLICY the script ran with.</summary>
    internal string WaitPolicy { get; private init; } = "";

    private TorchSide(Process process) => this.process = process;

    /// <summary>Starts the script and waits for its warm-up; null (with the reason) when it cannot run.</summary>
    internal static TorchSide? Start(string scriptName, out string why, params string[] options)
    {
        const string python = "/usr/bin/python3";
        var script = FindScript(scriptName);
        if (script == null) { why = $"bench/{scriptName} not found above the current directory"; return null; }
        if (!File.Exists(python)) { why = $"{python} not found"; return null; }
        var info = new ProcessStartInfo(python, [script, "--serve", .. options])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Spinning OpenMP threads slowed PyTorch 5-8x on a loaded machine (as the seq bench found); passive unless set.
        info.Environment.TryAdd("OMP_WAIT_POLICY", "PASSIVE");
        var process = Process.Start(info)!;
        var stderr = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        var line = process.StandardOutput.ReadLine();
        if (line == null)
        {
            process.WaitForExit();
            string message;
            lock (stderr) message = stderr.ToString().Trim().Split('\n')[^1];
            why = $"{python} {Path.GetFileName(script)} failed: {message} (is python3-torch installed?)";
            process.Dispose();
            return null;
        }
        using var ready = JsonDocument.Parse(line);
        why = "";
        return new TorchSide(process)
        {
            Version = ready.RootElement.GetProperty("torch").GetString() ?? "?",
            Threads = ready.RootElement.GetProperty("threads").GetInt32(),
            WaitPolicy = info.Environment["OMP_WAIT_POLICY"] ?? "",
        };
    }

    /// <summary>One round on the PyTorch side: workload → memory format → milliseconds per call.</summary>
    internal Dictionary<string, Dictionary<string, List<double>>> Round()
    {
        process.StandardInput.WriteLine("round");
        process.StandardInput.Flush();
        var line = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the PyTorch side script exited mid-run.");
        using var doc = JsonDocument.Parse(line);
        return doc.RootElement.EnumerateObject().ToDictionary(
            w => w.Name,
            w => w.Value.EnumerateObject().ToDictionary(f => f.Name, f => f.Value.EnumerateArray().Select(t => t.GetDouble()).ToList()));
    }

    private static string? FindScript(string scriptName)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "bench", scriptName);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }

    public void Dispose()
    {
        try
        {
            process.StandardInput.WriteLine("quit");
            process.StandardInput.Flush();
            if (!process.WaitForExit(10_000)) process.Kill();
        }
        catch (IOException) { }
        process.Dispose();
    }
}

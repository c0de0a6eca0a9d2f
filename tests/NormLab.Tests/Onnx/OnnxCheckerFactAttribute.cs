using System.Diagnostics;
using Xunit;

namespace NormLab.Tests.Onnx;

/// <summary>
/// A fact that needs ONNX's own checker (Debian's python3-onnx, which .ci/run installs). Without it the
/// runner reports the test as skipped with the reason.
/// </summary>
public sealed class OnnxCheckerFactAttribute : FactAttribute
{
    internal const string Python = "/usr/bin/python3";
    private static readonly Lazy<string?> Missing = new(() =>
        File.Exists(Python) && OnnxChecker.Run("-c", "import onnx").ExitCode == 0
            ? null
            : "ONNX's checker needs python3-onnx: apt-get install python3-onnx");

    public OnnxCheckerFactAttribute()
    {
        if (Missing.Value is string reason) Skip = reason;
    }
}

/// <summary>Runs onnx.checker.check_model (full_check, with shape inference) on files.</summary>
internal static class OnnxChecker
{
    private const string Script =
        "import sys, onnx\n" +
        "for path in sys.argv[1:]:\n" +
        "    onnx.checker.check_model(onnx.load(path), full_check=True)\n" +
        "print('checked', len(sys.argv) - 1)\n";

    /// <summary>Checks every file; the result's output says which failed and why.</summary>
    internal static (int ExitCode, string Output) Check(IEnumerable<string> paths) => Run(["-c", Script, .. paths]);

    internal static (int ExitCode, string Output) Run(params string[] args)
    {
        var info = new ProcessStartInfo(OnnxCheckerFactAttribute.Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr);
    }
}

using NormLab.Cli.Lab;
using Spectre.Console;

namespace NormLab.Cli;

/// <summary>`normlab report results.json`: the table, findings and HTML report again, from the numbers of an earlier run.</summary>
internal static class ReportCommand
{
    internal const string Usage = "normlab report RESULTS.json [--out report.html]";

    internal static int Run(Options options)
    {
        string path = options.Positional ?? throw new ArgumentException("report needs a results file: normlab report results.json [--out report.html].");
        string html = options.String("out", "report.html");
        options.RejectUnknown();
        if (!File.Exists(path)) throw new ArgumentException($"the results file '{path}' does not exist.");
        OutputPath.Check("--out", html);
        var result = ResultsJson.Read(path);
        CompareCommand.Print(result);
        HtmlReport.Write(result, html);
        AnsiConsole.MarkupLine($"Wrote the report to [blue]{Markup.Escape(Path.GetFullPath(html))}[/]");
        return 0;
    }
}

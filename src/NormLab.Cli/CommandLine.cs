using System.Reflection;
using NormLab.Distributed;
using Spectre.Console;

namespace NormLab.Cli;

/// <summary>The `normlab` command: dispatches subcommands and turns bad arguments into a usage message.</summary>
internal static class CommandLine
{
    private static readonly Dictionary<string, (string summary, string usage, Func<Options, int> run)> Commands = new()
    {
        ["compare"] = ("train one model per normalization and compare them: terminal table, report.html, results.json", CompareCommand.Usage, CompareCommand.Run),
        ["study"] = ("run a fixed comparison that answers one question (batch-size, placement, learning-rate, transformer, depth), resumable: normlab study NAME", StudyCommand.Usage, StudyCommand.Run),
        ["report"] = ("render report.html (and the table) again from a --json file, also a partial one", ReportCommand.Usage, ReportCommand.Run),
        ["train"] = ("train one model chosen by flags, with a progress bar, and save it", TrainCommand.Usage, TrainCommand.Run),
        ["evaluate"] = ("evaluate a saved model on a dataset: normlab evaluate MODEL [--data DIR]", EvaluateCommand.Usage, EvaluateCommand.Run),
        ["import"] = ("import an ONNX model as a trainable NormLab model: normlab import model.onnx MODEL", ImportCommand.Usage, ImportCommand.Run),
        ["export"] = ("export a saved model as an ONNX inference graph: normlab export MODEL model.onnx", ExportCommand.Usage, ExportCommand.Run),
    };

    internal static int Run(string[] args)
    {
        ConfigureConsole();
        if (args.Length == 0) return Guard("compare", () => CompareCommand.RunDefault());
        string command = args[0];
        if (command is "-h" or "--help" or "help")
        {
            PrintUsage();
            return 0;
        }
        if (command is "--version" or "-V")
        {
            Console.WriteLine($"normlab {Version(typeof(CommandLine).Assembly)} (NormLab {Version(typeof(Model).Assembly)}, .NET {Environment.Version})");
            return 0;
        }
        if (!Commands.TryGetValue(command, out var entry))
        {
            Console.Error.WriteLine($"normlab: unknown command '{command}'.");
            PrintUsage();
            return 2;
        }
        if (command == "study" && args.Skip(1).Any(a => a is "-h" or "--help"))
            return Guard(command, () =>
            {
                Console.WriteLine(StudyCommand.Help(args.Length > 1 ? args[1] : null));
                return 0;
            });
        if (args.Skip(1).Any(a => a is "-h" or "--help"))
        {
            Console.WriteLine($"normlab {command}: {entry.summary}");
            Console.WriteLine("usage: " + entry.usage);
            return 0;
        }
        return Guard(command, () => entry.run(Options.Parse(args[1..])));
    }

    /// <summary>Bad arguments and unreadable data files end with one line, not a stack trace.</summary>
    private static int Guard(string command, Func<int> run)
    {
        try
        {
            return run();
        }
        catch (ArgumentException e)
        {
            return Fail(command, e.Message, 2);
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return Fail(command, e.Message, 1);
        }
    }

    private static int Fail(string command, string message, int exitCode)
    {
        // In a distributed job the other ranks may be waiting for this one in a collective (and this one
        // would wait for them in MPI_Finalize): end the whole job, with this rank's message.
        if (Communicator.StartedJob is { } job) job.Abort($"normlab {command}: {message}", exitCode);
        Console.Error.WriteLine($"normlab {command}: {message}");
        return exitCode;
    }

    /// <summary>Output redirected to a file or a pipe gets plain text (no colour codes), wide enough not to wrap every table cell.</summary>
    private static void ConfigureConsole()
    {
        if (!Console.IsOutputRedirected) return;
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(Console.Out),
        });
        AnsiConsole.Profile.Width = 140;
    }

    private static string Version(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? assembly.GetName().Version?.ToString() ?? "unknown";

    private static void PrintUsage()
    {
        Console.WriteLine("usage: normlab <command> [options]      (normlab <command> --help, normlab --version)");
        foreach (var (name, (summary, _, _)) in Commands) Console.WriteLine($"  {name,-10} {summary}");
        Console.WriteLine();
        Console.WriteLine("With no command, normlab runs a quick comparison (none, batch, layer, group at batch sizes 8 and 64, one epoch)");
        Console.WriteLine("on the shipped Fashion-MNIST subset and writes report.html. It is a smoke test with one seed: it cannot say which");
        Console.WriteLine("normalization is better. For that, a study: normlab study batch-size, placement, learning-rate, transformer or depth");
        Console.WriteLine("(paired seeds, 95% intervals, a paired t-test per comparison; normlab study --help lists them all).");
        Console.WriteLine();
        foreach (var (_, (_, usage, _)) in Commands) Console.WriteLine(usage);
    }
}

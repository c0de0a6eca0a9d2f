namespace NormLab.Cli;

/// <summary>The `normlab` command: dispatches subcommands and turns bad arguments into a usage message.</summary>
internal static class CommandLine
{
    private static readonly Dictionary<string, (string summary, Func<Options, int> run)> Commands = new()
    {
        ["compare"] = ("train one model per normalization and compare them: terminal table, report.html, results.json", CompareCommand.Run),
        ["report"] = ("render report.html (and the table) again from a --json file, also a partial one", ReportCommand.Run),
        ["train"] = ("train one model chosen by flags, with a progress bar, and save it", TrainCommand.Run),
        ["evaluate"] = ("evaluate a saved model on a dataset: normlab evaluate MODEL [--data DIR]", EvaluateCommand.Run),
        ["import"] = ("import an ONNX model as a trainable NormLab model: normlab import model.onnx MODEL", ImportCommand.Run),
    };

    internal static int Run(string[] args)
    {
        if (args.Length == 0) return Guard("compare", () => CompareCommand.RunDefault());
        string command = args[0];
        if (command is "-h" or "--help" or "help")
        {
            PrintUsage();
            return 0;
        }
        if (!Commands.TryGetValue(command, out var entry))
        {
            Console.Error.WriteLine($"normlab: unknown command '{command}'.");
            PrintUsage();
            return 2;
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
            Console.Error.WriteLine($"normlab {command}: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is FormatException or IOException or InvalidOperationException)
        {
            Console.Error.WriteLine($"normlab {command}: {e.Message}");
            return 1;
        }
    }

    private static void PrintUsage()
    {
        Console.WriteLine("usage: normlab <command> [options]");
        foreach (var (name, (summary, _)) in Commands) Console.WriteLine($"  {name,-10} {summary}");
        Console.WriteLine();
        Console.WriteLine("With no command, normlab runs a quick comparison (none, batch, layer, group at batch sizes 8 and 64, one epoch)");
        Console.WriteLine("on the shipped Fashion-MNIST subset and writes report.html.");
        Console.WriteLine();
        Console.WriteLine(CompareCommand.Usage);
        Console.WriteLine(ReportCommand.Usage);
        Console.WriteLine(TrainCommand.Usage);
        Console.WriteLine(EvaluateCommand.Usage);
        Console.WriteLine(ImportCommand.Usage);
    }
}

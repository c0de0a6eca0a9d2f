namespace NormLab.Cli;

/// <summary>The `normlab` command: dispatches subcommands and turns bad arguments into a usage message.</summary>
internal static class CommandLine
{
    private static readonly Dictionary<string, (string summary, Func<Options, int> run)> Commands = new()
    {
        ["train"] = ("train a small CNN on built-in data, print progress and accuracy, save the model", TrainCommand.Run),
    };

    internal static int Run(string[] args)
    {
        string command = args.Length == 0 ? "train" : args[0];
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
        try
        {
            return entry.run(Options.Parse(args.Skip(args.Length == 0 ? 0 : 1).ToArray()));
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"normlab {command}: {e.Message}");
            return 2;
        }
    }

    private static void PrintUsage()
    {
        Console.WriteLine("usage: normlab <command> [options]");
        foreach (var (name, (summary, _)) in Commands) Console.WriteLine($"  {name,-10} {summary}");
        Console.WriteLine();
        Console.WriteLine("normlab train [--epochs 3] [--batch-size 32] [--samples 4000] [--seed 42] [--threads N] [--out model.normlab] [--distributed]");
        Console.WriteLine("  --distributed: data-parallel over MPI, run as: mpirun -np K normlab train --distributed");
    }
}

using NormLab.Examples;

// dotnet run --project examples/NormLab.Examples -c Release -- <name>   (no name: list them)
var examples = ExampleCatalog.All;
if (args.Length == 0 || !examples.TryGetValue(args[0], out var run))
{
    Console.WriteLine("usage: NormLab.Examples <name> [samples] [epochs]");
    foreach (var name in examples.Keys) Console.WriteLine($"  {name}");
    return args.Length == 0 ? 0 : 2;
}
int samples = args.Length > 1 ? int.Parse(args[1]) : 1000;
int epochs = args.Length > 2 ? int.Parse(args[2]) : 2;
run(samples, epochs, 1);
return 0;

using System.Globalization;

namespace NormLab.Cli.Lab;

/// <summary>
/// The optimizers `--optimizer` can name: "adam" (Keras's defaults, the lab's default) and "sgd", plain SGD with
/// momentum <see cref="SgdMomentum"/>, the usual setting for convolutional networks (Nesterov off).
/// </summary>
internal static class OptimizerChoice
{
    internal static readonly string[] Names = ["adam", "sgd"];

    /// <summary>The momentum of "sgd": the common 0.9 of ResNet and batch-norm training recipes.</summary>
    internal const double SgdMomentum = 0.9;

    /// <summary>A fresh optimizer <paramref name="name"/> at <paramref name="learningRate"/>.</summary>
    internal static Optimizers.Optimizer Create(string name, double learningRate) => name switch
    {
        "adam" => new Optimizers.Adam(learningRate: learningRate),
        "sgd" => new Optimizers.SGD(learningRate: learningRate, momentum: SgdMomentum),
        _ => throw Unknown(name),
    };

    /// <summary>Checks a name; the error names the option and the value.</summary>
    internal static string Check(string name) => Names.Contains(name) ? name : throw Unknown(name);

    /// <summary>"Adam" or "SGD (momentum 0.9)".</summary>
    internal static string Display(string name) => name switch
    {
        "adam" => "Adam",
        "sgd" => $"SGD (momentum {SgdMomentum.ToString(CultureInfo.InvariantCulture)})",
        _ => throw Unknown(name),
    };

    /// <summary>A learning rate as written on the command line: 0.001, 0.0003, 1E-05.</summary>
    internal static string Format(double learningRate) => learningRate.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>"-adam-lr0.001": what the ids of a report's charts add to tell the optimizers and learning rates apart.</summary>
    internal static string Id(string name, double learningRate) => $"-{name}-lr{Format(learningRate)}";

    /// <summary>"Adam at learning rate 0.001".</summary>
    internal static string Label(string name, double learningRate) => $"{Display(name)} at learning rate {Format(learningRate)}";

    /// <summary>How the runs of <paramref name="s"/> train: "Adam (learning rate 0.001)", or with several
    /// optimizers or rates "SGD (momentum 0.9) and Adam, each at learning rates 0.001, 0.01, 0.1".</summary>
    internal static string Describe(CompareSettings s) =>
        string.Join(" and ", s.Optimizers.Select(Display)) + (s.LearningRates.Count == 1
            ? $" (learning rate {Format(s.LearningRates[0])})"
            : $"{(s.Optimizers.Count > 1 ? ", each" : "")} at learning rates {string.Join(", ", s.LearningRates.Select(Format))}");

    private static ArgumentException Unknown(string name) =>
        new($"unknown --optimizer '{name}'; expected one of {string.Join(", ", Names)}.");
}

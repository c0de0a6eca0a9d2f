using System.Text;

namespace NormLab;

public partial class Model
{
    /// <summary>Prints a Keras-like table of layers, output shapes and parameter counts.</summary>
    /// <param name="print">Where lines go (Console.WriteLine by default), like Keras's print_fn.</param>
    public void Summary(Action<string>? print = null)
    {
        print ??= Console.WriteLine;
        if (!Built)
            throw new InvalidOperationException($"Model '{Name}': this model has not yet been built. Build it by calling it on data, by giving the first layer an inputShape, or with Build(shape).");
        var rows = new List<(string layer, string shape, string parameters)>();
        var shape = BuiltInputShape!;
        foreach (var layer in Layers)
        {
            if (this is Sequential) shape = layer.ComputeOutputShape(shape);
            var outShape = this is Sequential ? shape : layer.ComputeOutputShape(layer.BuiltInputShape!);
            rows.Add(($"{layer.Name} ({layer.GetType().Name})", Shapes.FormatBatched(outShape.AsSpan(1)), layer.CountParams().ToString("N0")));
        }
        int w1 = Math.Max(31, rows.Select(r => r.layer.Length).DefaultIfEmpty(0).Max() + 2);
        int w2 = Math.Max(22, rows.Select(r => r.shape.Length).DefaultIfEmpty(0).Max() + 2);
        const int w3 = 13;
        print($"Model: \"{Name}\"");
        print("┏" + new string('━', w1 + 2) + "┳" + new string('━', w2 + 2) + "┳" + new string('━', w3 + 2) + "┓");
        print($"┃ {"Layer (type)".PadRight(w1)} ┃ {"Output Shape".PadRight(w2)} ┃ {"Param #".PadLeft(w3)} ┃");
        print("┡" + new string('━', w1 + 2) + "╇" + new string('━', w2 + 2) + "╇" + new string('━', w3 + 2) + "┩");
        foreach (var (layer, outShape, parameters) in rows)
            print($"│ {layer.PadRight(w1)} │ {outShape.PadRight(w2)} │ {parameters.PadLeft(w3)} │");
        print("└" + new string('─', w1 + 2) + "┴" + new string('─', w2 + 2) + "┴" + new string('─', w3 + 2) + "┘");
        int trainable = TrainableWeights.Sum(t => t.Size), total = CountParams();
        print($" Total params: {total:N0}");
        print($" Trainable params: {trainable:N0}");
        print($" Non-trainable params: {total - trainable:N0}");
    }
}

using NormLab.Layers;

namespace NormLab;

public partial class Model
{
    /// <summary>
    /// Prints a Keras-like table of layers, output shapes and parameter counts; a functional model adds Keras's
    /// "Connected to" column (<c>name[call][output]</c> of each input) and lists its inputs first. A nested model is one row.
    /// </summary>
    /// <param name="print">Where lines go (Console.WriteLine by default), like Keras's print_fn.</param>
    /// <exception cref="InvalidOperationException">When the model has not been built.</exception>
    public void Summary(Action<string>? print = null)
    {
        print ??= Console.WriteLine;
        if (!Built)
            throw new InvalidOperationException($"Model '{Name}': this model has not yet been built. Build it by calling it on data, by giving the first layer an inputShape, or with Build(shape).");
        var rows = IsFunctional ? FunctionalRows() : StackRows();
        string[] headers = IsFunctional ? ["Layer (type)", "Output Shape", "Param #", "Connected to"] : ["Layer (type)", "Output Shape", "Param #"];
        int[] minimum = [31, 22, 13, 21];
        var widths = headers.Select((h, c) => Math.Max(minimum[c], rows.SelectMany(r => r[c]).Select(s => s.Length + 2).DefaultIfEmpty(0).Max())).ToArray();
        string Line(string left, string middle, string right, char fill) => left + string.Join(middle, widths.Select(w => new string(fill, w + 2))) + right;
        string Cells(char bar, IReadOnlyList<string> cells) =>
            bar + " " + string.Join($" {bar} ", cells.Select((cell, c) => c == 2 ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]))) + " " + bar;

        print($"Model: \"{Name}\"");
        print(Line("┏", "┳", "┓", '━'));
        print(Cells('┃', headers));
        print(Line("┡", "╇", "┩", '━'));
        for (int r = 0; r < rows.Count; r++)
        {
            int height = rows[r].Max(cell => cell.Length);
            for (int line = 0; line < height; line++)
                print(Cells('│', rows[r].Select(cell => line < cell.Length ? cell[line] : "").ToList()));
            if (IsFunctional && r < rows.Count - 1) print(Line("├", "┼", "┤", '─'));
        }
        print(Line("└", "┴", "┘", '─'));
        int trainable = TrainableWeights.Sum(t => t.Size), total = CountParams();
        print($" Total params: {total:N0}");
        print($" Trainable params: {trainable:N0}");
        print($" Non-trainable params: {total - trainable:N0}");
    }

    /// <summary>"name (Type)"; a functional model is "Functional", as Keras 3 prints it.</summary>
    private static string Describe(Layer layer) => $"{layer.Name} ({(layer is Model { IsFunctional: true } ? "Functional" : layer.GetType().Name)})";

    /// <summary>Sequential and subclassed models: one row per layer; "?" for a layer the model has not run yet.</summary>
    private List<string[][]> StackRows()
    {
        var rows = new List<string[][]>();
        var shape = BuiltInputShape!;
        foreach (var layer in Layers)
        {
            string outShape = "?";
            if (this is Sequential)
            {
                shape = layer.ComputeOutputShape(shape);
                outShape = Shapes.FormatBatched(shape.AsSpan(1));
            }
            else if (layer.Built)
                outShape = Shapes.FormatBatched(layer.ComputeOutputShape(layer.BuiltInputShape!).AsSpan(1));
            rows.Add([[Describe(layer)], [outShape], [layer.CountParams().ToString("N0")]]);
        }
        return rows;
    }

    /// <summary>Functional models: the inputs, then one row per layer with the output shapes and inputs of each of its calls.</summary>
    private List<string[][]> FunctionalRows()
    {
        var rows = Inputs.Select(i => new[] { [$"{i.Name} (InputLayer)"], [Shapes.FormatBatched(i.Shape)], ["0"], new[] { "-" } }).ToList();
        var nodeIndex = NodeIndices();
        string Reference(SymbolicTensor t) => t.Node is LayerNode node ? $"{node.Layer.Name}[{nodeIndex[node]}][{t.Index}]" : $"{((Input)t).Name}[0][0]";
        foreach (var layer in Layers)
        {
            var calls = GraphNodes.Where(n => n.Layer == layer).ToList();
            rows.Add([
                [Describe(layer)],
                calls[0].Outputs.Select(o => Shapes.FormatBatched(o.Shape)).ToArray(),
                [layer.CountParams().ToString("N0")],
                calls.SelectMany(c => c.Inputs.Select(Reference)).ToArray(),
            ]);
        }
        return rows;
    }
}

namespace NormLab.Onnx.Import;

/// <summary>ONNX's broadcasting binary operators (Add, Sub, Mul, Div) as NormLab ops.</summary>
internal static class ElementwiseOperator
{
    /// <summary>The operators an imported model computes elementwise.</summary>
    internal static readonly string[] Names = ["Add", "Sub", "Mul", "Div"];

    /// <summary>Checks the operator name, naming the layer in the error.</summary>
    internal static string Checked(string op, string layer) => Names.Contains(op) ? op
        : throw new ArgumentException($"{layer}: operator must be one of {string.Join(", ", Names)}, received '{op}'.");

    /// <summary>a op b with NumPy broadcasting.</summary>
    internal static Tensor Apply(string op, Tensor a, Tensor b) => op switch
    {
        "Add" => Ops.Add(a, b),
        "Sub" => Ops.Sub(a, b),
        "Mul" => Ops.Mul(a, b),
        _ => Ops.Div(a, b),
    };
}

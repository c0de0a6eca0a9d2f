using System.Text.Json.Nodes;
using NormLab.Layers;
using NormLab.Saving;

namespace NormLab.Onnx.Import;

/// <summary>
/// ONNX's elementwise functions without weights that exporters emit for GELU and decomposed norms:
/// Erf, Sqrt, and Pow by 2 (as "Square").
/// </summary>
public sealed class OnnxUnaryOperation : Layer
{
    private static readonly Dictionary<string, Func<Tensor, Tensor>> Functions = new()
    {
        ["Erf"] = Ops.Erf,
        ["Sqrt"] = Ops.Sqrt,
        ["Square"] = Ops.Square,
    };

    /// <summary>Creates the layer.</summary>
    /// <param name="op">"Erf", "Sqrt" or "Square".</param>
    /// <param name="name">The layer's name.</param>
    public OnnxUnaryOperation(string op, string? name = null) : base(name)
    {
        if (op == null || !Functions.ContainsKey(op))
            throw new ArgumentException($"{Describe()}: op must be one of {string.Join(", ", Functions.Keys)}, received '{op}'.");
        Op = op;
    }

    /// <summary>The function.</summary>
    public string Op { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Functions[Op](x);

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => (int[])inputShape.Clone();

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["op"] = Op;
        return config;
    }

    internal static OnnxUnaryOperation FromConfig(JsonObject c) => new(c.GetString("op", "")!, c.GetString("name"));
}

using System.Text.Json.Nodes;
using NormLab.Layers;
using NormLab.Saving;

namespace NormLab.Onnx.Import;

/// <summary>ONNX's Sub, Mul or Div (and Add) of two computed tensors, with broadcasting.</summary>
public sealed class OnnxBinaryOperation : MergeLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="op">"Add", "Sub", "Mul" or "Div"; the first input is the left operand.</param>
    /// <param name="name">The layer's name.</param>
    public OnnxBinaryOperation(string op, string? name = null) : base(name) => Op = ElementwiseOperator.Checked(op, Describe());

    /// <summary>The operator.</summary>
    public string Op { get; }

    /// <inheritdoc/>
    protected override Tensor Merge(IReadOnlyList<Tensor> inputs)
    {
        if (inputs.Count != 2) throw new ArgumentException($"{Describe()}: expects 2 inputs, received {inputs.Count}.");
        return ElementwiseOperator.Apply(Op, inputs[0], inputs[1]);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["op"] = Op;
        return config;
    }

    internal static OnnxBinaryOperation FromConfig(JsonObject c) => new(c.GetString("op", "")!, c.GetString("name"));
}

using System.Text.Json.Nodes;
using NormLab.Layers;
using NormLab.Saving;

namespace NormLab.Onnx.Import;

/// <summary>
/// ONNX's Add, Sub, Mul or Div of a computed tensor and a constant (a bias after MatMul, a norm's
/// scale). The constant is the layer's weight "constant", trainable when it was a graph initializer.
/// </summary>
public sealed class OnnxConstantOperation : Layer
{
    private readonly bool constantTrainable;

    /// <summary>Creates the layer.</summary>
    /// <param name="op">"Add", "Sub", "Mul" or "Div".</param>
    /// <param name="constantShape">The constant's shape (broadcast against the input, batch axis included).</param>
    /// <param name="constantFirst">Whether the constant is the left operand (c - x, c / x).</param>
    /// <param name="constantTrainable">Whether training updates the constant.</param>
    /// <param name="name">The layer's name.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="constantShape"/> is null.</exception>
    /// <exception cref="ArgumentException">When <paramref name="op"/> is not "Add", "Sub", "Mul" or "Div".</exception>
    public OnnxConstantOperation(string op, int[] constantShape, bool constantFirst = false, bool constantTrainable = true, string? name = null) : base(name)
    {
        ArgumentNullException.ThrowIfNull(constantShape);
        Op = ElementwiseOperator.Checked(op, Describe());
        ConstantShape = (int[])constantShape.Clone();
        ConstantFirst = constantFirst;
        this.constantTrainable = constantTrainable;
    }

    /// <summary>The operator.</summary>
    public string Op { get; }

    /// <summary>The constant's shape.</summary>
    public int[] ConstantShape { get; }

    /// <summary>Whether the constant is the left operand.</summary>
    public bool ConstantFirst { get; }

    /// <summary>The constant, once built.</summary>
    public Tensor? Constant { get; private set; }

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        Shapes.Broadcast(inputShape, ConstantShape, Describe());
        Constant = AddWeight("constant", ConstantShape, "zeros", trainable: constantTrainable);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) =>
        ConstantFirst ? ElementwiseOperator.Apply(Op, Constant!, x) : ElementwiseOperator.Apply(Op, x, Constant!);

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => Shapes.Broadcast(inputShape, ConstantShape, Describe());

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["op"] = Op;
        config["constant_shape"] = ConfigReader.ToJson(ConstantShape);
        config["constant_first"] = ConstantFirst;
        config["constant_trainable"] = constantTrainable;
        return config;
    }

    internal static OnnxConstantOperation FromConfig(JsonObject c) => new(c.GetString("op", "")!, c.GetInts("constant_shape") ?? [],
        c.GetBool("constant_first", false), c.GetBool("constant_trainable", true), c.GetString("name"));
}

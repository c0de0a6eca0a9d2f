namespace NormLab;

public sealed partial class Tensor
{
    /// <summary>Elementwise sum with broadcasting.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand; its shape must broadcast with <paramref name="a"/>'s (NumPy rules).</param>
    public static Tensor operator +(Tensor a, Tensor b) => Ops.Add(a, b);
    /// <summary>Elementwise difference with broadcasting.</summary>
    /// <param name="a">Tensor subtracted from.</param>
    /// <param name="b">Tensor subtracted; its shape must broadcast with <paramref name="a"/>'s (NumPy rules).</param>
    public static Tensor operator -(Tensor a, Tensor b) => Ops.Sub(a, b);
    /// <summary>Elementwise product with broadcasting.</summary>
    /// <param name="a">Left factor.</param>
    /// <param name="b">Right factor; its shape must broadcast with <paramref name="a"/>'s (NumPy rules).</param>
    public static Tensor operator *(Tensor a, Tensor b) => Ops.Mul(a, b);
    /// <summary>Elementwise quotient with broadcasting.</summary>
    /// <param name="a">Dividend.</param>
    /// <param name="b">Divisor; its shape must broadcast with <paramref name="a"/>'s (NumPy rules). Zeros give IEEE infinities.</param>
    public static Tensor operator /(Tensor a, Tensor b) => Ops.Div(a, b);
    /// <summary>Adds a constant.</summary>
    /// <param name="a">The tensor.</param>
    /// <param name="b">Constant added to every element.</param>
    public static Tensor operator +(Tensor a, double b) => Ops.Affine(a, 1, b);
    /// <summary>Adds a constant.</summary>
    /// <param name="a">Constant added to every element.</param>
    /// <param name="b">The tensor.</param>
    public static Tensor operator +(double a, Tensor b) => Ops.Affine(b, 1, a);
    /// <summary>Subtracts a constant.</summary>
    /// <param name="a">The tensor.</param>
    /// <param name="b">Constant subtracted from every element.</param>
    public static Tensor operator -(Tensor a, double b) => Ops.Affine(a, 1, -b);
    /// <summary>A constant minus a tensor.</summary>
    /// <param name="a">Constant each element is subtracted from.</param>
    /// <param name="b">The tensor.</param>
    public static Tensor operator -(double a, Tensor b) => Ops.Affine(b, -1, a);
    /// <summary>Multiplies by a constant.</summary>
    /// <param name="a">The tensor.</param>
    /// <param name="b">Constant every element is multiplied by.</param>
    public static Tensor operator *(Tensor a, double b) => Ops.Affine(a, b);
    /// <summary>Multiplies by a constant.</summary>
    /// <param name="a">Constant every element is multiplied by.</param>
    /// <param name="b">The tensor.</param>
    public static Tensor operator *(double a, Tensor b) => Ops.Affine(b, a);
    /// <summary>Divides by a constant.</summary>
    /// <param name="a">The tensor.</param>
    /// <param name="b">Constant every element is divided by.</param>
    public static Tensor operator /(Tensor a, double b) => Ops.Affine(a, 1.0 / b);
    /// <summary>Negation.</summary>
    /// <param name="a">The tensor to negate.</param>
    public static Tensor operator -(Tensor a) => Ops.Neg(a);

    /// <summary>The sum of all values (a scalar tensor).</summary>
    public Tensor Sum() => Ops.Sum(this);
    /// <summary>The sum over the given axes.</summary>
    /// <param name="axes">Axes to sum over; negative values count from the end (Keras <c>axis</c>).</param>
    /// <param name="keepDims">Keep the reduced axes as size 1 (Keras <c>keepdims</c>); default false.</param>
    public Tensor Sum(int[] axes, bool keepDims = false) => Ops.Sum(this, axes, keepDims);
    /// <summary>The mean of all values (a scalar tensor).</summary>
    public Tensor Mean() => Ops.Mean(this);
    /// <summary>The mean over the given axes.</summary>
    /// <param name="axes">Axes to average over; negative values count from the end (Keras <c>axis</c>).</param>
    /// <param name="keepDims">Keep the reduced axes as size 1 (Keras <c>keepdims</c>); default false.</param>
    public Tensor Mean(int[] axes, bool keepDims = false) => Ops.Mean(this, axes, keepDims);
    /// <summary>The same values with a new shape (one dimension may be -1).</summary>
    /// <param name="shape">New dimension sizes with the same total size; at most one may be -1 (inferred).</param>
    public Tensor Reshape(params int[] shape) => Ops.Reshape(this, shape);
    /// <summary>The matrix product with <paramref name="other"/>.</summary>
    /// <param name="other">Right operand, rank 2: its first dimension must equal this tensor's second (this tensor must be rank 2 too).</param>
    public Tensor MatMul(Tensor other) => Ops.MatMul(this, other);
}

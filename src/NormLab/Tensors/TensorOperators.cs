namespace NormLab;

public sealed partial class Tensor
{
    /// <summary>Elementwise sum with broadcasting.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => Ops.Add(a, b);
    /// <summary>Elementwise difference with broadcasting.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => Ops.Sub(a, b);
    /// <summary>Elementwise product with broadcasting.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => Ops.Mul(a, b);
    /// <summary>Elementwise quotient with broadcasting.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => Ops.Div(a, b);
    /// <summary>Adds a constant.</summary>
    public static Tensor operator +(Tensor a, double b) => Ops.Affine(a, 1, b);
    /// <summary>Adds a constant.</summary>
    public static Tensor operator +(double a, Tensor b) => Ops.Affine(b, 1, a);
    /// <summary>Subtracts a constant.</summary>
    public static Tensor operator -(Tensor a, double b) => Ops.Affine(a, 1, -b);
    /// <summary>A constant minus a tensor.</summary>
    public static Tensor operator -(double a, Tensor b) => Ops.Affine(b, -1, a);
    /// <summary>Multiplies by a constant.</summary>
    public static Tensor operator *(Tensor a, double b) => Ops.Affine(a, b);
    /// <summary>Multiplies by a constant.</summary>
    public static Tensor operator *(double a, Tensor b) => Ops.Affine(b, a);
    /// <summary>Divides by a constant.</summary>
    public static Tensor operator /(Tensor a, double b) => Ops.Affine(a, 1.0 / b);
    /// <summary>Negation.</summary>
    public static Tensor operator -(Tensor a) => Ops.Neg(a);

    /// <summary>The sum of all values (a scalar tensor).</summary>
    public Tensor Sum() => Ops.Sum(this);
    /// <summary>The sum over the given axes.</summary>
    public Tensor Sum(int[] axes, bool keepDims = false) => Ops.Sum(this, axes, keepDims);
    /// <summary>The mean of all values (a scalar tensor).</summary>
    public Tensor Mean() => Ops.Mean(this);
    /// <summary>The mean over the given axes.</summary>
    public Tensor Mean(int[] axes, bool keepDims = false) => Ops.Mean(this, axes, keepDims);
    /// <summary>The same values with a new shape (one dimension may be -1).</summary>
    public Tensor Reshape(params int[] shape) => Ops.Reshape(this, shape);
    /// <summary>The matrix product with <paramref name="other"/>.</summary>
    public Tensor MatMul(Tensor other) => Ops.MatMul(this, other);
}

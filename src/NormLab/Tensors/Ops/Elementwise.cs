using System.Numerics.Tensors;
using NormLab.Autograd;

namespace NormLab;

/// <summary>
/// The differentiable operations. Each records a hand-written backward rule on its result; layers
/// compose them (or call fused kernels) and never touch gradients themselves.
/// </summary>
public static partial class Ops
{
    /// <summary>a + b with NumPy broadcasting.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand. Its shape must broadcast with <paramref name="a"/>'s (NumPy rules).</param>
    /// <exception cref="ArgumentException">When the shapes do not broadcast.</exception>
    public static Tensor Add(Tensor a, Tensor b)
    {
        var shape = Shapes.Broadcast(a.Dims, b.Dims, "Add");
        var result = new float[Shapes.SizeOf(shape)];
        TensorPrimitives.Add(BroadcastData(a, shape), BroadcastData(b, shape), result);
        return Tape.Record(new Tensor(result, shape), [a, b], g => [ReduceTo(g, a.Shape), ReduceTo(g, b.Shape)]);
    }

    /// <summary>a - b with NumPy broadcasting.</summary>
    /// <param name="a">Tensor subtracted from.</param>
    /// <param name="b">Tensor subtracted. Its shape must broadcast with <paramref name="a"/>'s (NumPy rules).</param>
    /// <exception cref="ArgumentException">When the shapes do not broadcast.</exception>
    public static Tensor Sub(Tensor a, Tensor b)
    {
        var shape = Shapes.Broadcast(a.Dims, b.Dims, "Sub");
        var result = new float[Shapes.SizeOf(shape)];
        TensorPrimitives.Subtract(BroadcastData(a, shape), BroadcastData(b, shape), result);
        return Tape.Record(new Tensor(result, shape), [a, b], g => [ReduceTo(g, a.Shape), b.RequiresGrad ? ReduceTo(Neg(g), b.Shape) : null]);
    }

    /// <summary>a * b elementwise with NumPy broadcasting.</summary>
    /// <param name="a">Left factor.</param>
    /// <param name="b">Right factor. Its shape must broadcast with <paramref name="a"/>'s (NumPy rules).</param>
    /// <exception cref="ArgumentException">When the shapes do not broadcast.</exception>
    public static Tensor Mul(Tensor a, Tensor b)
    {
        var shape = Shapes.Broadcast(a.Dims, b.Dims, "Mul");
        var result = new float[Shapes.SizeOf(shape)];
        TensorPrimitives.Multiply(BroadcastData(a, shape), BroadcastData(b, shape), result);
        return Tape.Record(new Tensor(result, shape), [a, b], g =>
        [
            a.RequiresGrad ? ReduceTo(Mul(g, b), a.Shape) : null,
            b.RequiresGrad ? ReduceTo(Mul(g, a), b.Shape) : null,
        ]);
    }

    /// <summary>a / b elementwise with NumPy broadcasting.</summary>
    /// <param name="a">Dividend.</param>
    /// <param name="b">Divisor; zeros give IEEE infinities or NaN, as in NumPy. Its shape must broadcast with <paramref name="a"/>'s (NumPy rules).</param>
    /// <exception cref="ArgumentException">When the shapes do not broadcast.</exception>
    public static Tensor Div(Tensor a, Tensor b)
    {
        var shape = Shapes.Broadcast(a.Dims, b.Dims, "Div");
        var result = new float[Shapes.SizeOf(shape)];
        TensorPrimitives.Divide(BroadcastData(a, shape), BroadcastData(b, shape), result);
        var output = new Tensor(result, shape);
        return Tape.Record(output, [a, b], g =>
        [
            a.RequiresGrad ? ReduceTo(Div(g, b), a.Shape) : null,
            b.RequiresGrad ? ReduceTo(Neg(Div(Mul(g, output), b)), b.Shape) : null,
        ]);
    }

    /// <summary>x * factor + offset (a fused affine map by constants).</summary>
    /// <param name="x">Input of any shape; the result has the same shape.</param>
    /// <param name="factor">Constant every element is multiplied by.</param>
    /// <param name="offset">Constant added after the multiplication; default 0.</param>
    public static Tensor Affine(Tensor x, double factor, double offset = 0)
    {
        var result = new float[x.Size];
        TensorPrimitives.Multiply(x.Data, (float)factor, result);
        if (offset != 0) TensorPrimitives.Add(result, (float)offset, result);
        return Tape.Record(new Tensor(result, x.Shape), [x], g => [Affine(g, factor)]);
    }

    /// <summary>-x.</summary>
    /// <param name="x">Input of any shape; the result has the same shape.</param>
    public static Tensor Neg(Tensor x) => Affine(x, -1);

    /// <summary>e^x.</summary>
    /// <param name="x">Input of any shape; the result has the same shape.</param>
    public static Tensor Exp(Tensor x)
    {
        var result = new float[x.Size];
        TensorPrimitives.Exp(x.Data, result);
        var output = new Tensor(result, x.Shape);
        return Tape.Record(output, [x], g => [Mul(g, output)]);
    }

    /// <summary>The natural logarithm.</summary>
    /// <param name="x">Input of any shape, normally positive (0 gives -infinity, negatives NaN, as in NumPy); the result has the same shape.</param>
    public static Tensor Log(Tensor x)
    {
        var result = new float[x.Size];
        TensorPrimitives.Log(x.Data, result);
        return Tape.Record(new Tensor(result, x.Shape), [x], g => [Div(g, x)]);
    }

    /// <summary>The square root.</summary>
    /// <param name="x">Input of any shape, normally non-negative (negatives give NaN); the result has the same shape.</param>
    public static Tensor Sqrt(Tensor x)
    {
        var result = new float[x.Size];
        TensorPrimitives.Sqrt(x.Data, result);
        var output = new Tensor(result, x.Shape);
        return Tape.Record(output, [x], g => [Div(Affine(g, 0.5), output)]);
    }

    /// <summary>x².</summary>
    /// <param name="x">Input of any shape; the result has the same shape.</param>
    public static Tensor Square(Tensor x)
    {
        var result = new float[x.Size];
        TensorPrimitives.Multiply(x.Data, x.Data, result);
        return Tape.Record(new Tensor(result, x.Shape), [x], g => [Mul(g, Affine(x, 2))]);
    }

    /// <summary>|x| (gradient sign(x), 0 at 0, NaN at NaN).</summary>
    /// <param name="x">Input of any shape; the result has the same shape.</param>
    public static Tensor Abs(Tensor x)
    {
        var result = new float[x.Size];
        TensorPrimitives.Abs(x.Data, result);
        return Tape.Record(new Tensor(result, x.Shape), [x], g => [Mul(g, Map(x, v => float.IsNaN(v) ? v : MathF.Sign(v)))]);
    }

    /// <summary>Values clipped to [min, max]; the gradient flows only where x is inside.</summary>
    /// <param name="x">Input of any shape; the result has the same shape.</param>
    /// <param name="min">Lower bound; values below it become <paramref name="min"/>.</param>
    /// <param name="max">Upper bound, at least <paramref name="min"/>; values above it become <paramref name="max"/>.</param>
    /// <exception cref="ArgumentException">When min exceeds max or either is NaN.</exception>
    public static Tensor Clip(Tensor x, double min, double max)
    {
        if (!(min <= max))
            throw new ArgumentException($"Ops.Clip: min ({min}) must not exceed max ({max}), and neither may be NaN.");
        float lo = (float)min, hi = (float)max;
        var output = Map(x, v => Math.Clamp(v, lo, hi));
        return Tape.Record(output, [x], g => [Mul(g, Map(x, v => v >= lo && v <= hi ? 1f : 0f))]);
    }

    /// <summary>A constant tensor computed value by value (not differentiable).</summary>
    internal static Tensor Map(Tensor x, Func<float, float> f)
    {
        var result = new float[x.Size];
        var data = x.Data;
        for (int i = 0; i < result.Length; i++) result[i] = f(data[i]);
        return new Tensor(result, x.Shape);
    }
}

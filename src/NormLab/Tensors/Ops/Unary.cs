using NormLab.Autograd;

namespace NormLab;

/// <summary>An elementwise function and its derivative, specialised by the JIT per rule (no delegate calls).</summary>
internal interface IUnaryRule<TSelf> where TSelf : IUnaryRule<TSelf>
{
    /// <summary>Scalar math: y = f(x).</summary>
    static abstract float Forward(float x);

    /// <summary>Scalar math: dy/dx, given x and y = f(x).</summary>
    static abstract float Derivative(float x, float y);

    /// <summary>The whole forward pass; rules override it with a vectorized version.</summary>
    static virtual void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = TSelf.Forward(x[i]);
    }

    /// <summary>The whole backward pass, dx = g * f'(x); rules override it with a vectorized version.</summary>
    static virtual void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> g, Span<float> dx)
    {
        for (int i = 0; i < dx.Length; i++) dx[i] = g[i] * TSelf.Derivative(x[i], y[i]);
    }
}

public static partial class Ops
{
    /// <summary>Applies an elementwise rule and records its backward: dx = g * f'(x).</summary>
    internal static Tensor Unary<TRule>(Tensor x) where TRule : struct, IUnaryRule<TRule>
    {
        // Forward and Backward write every element, so the arrays may hold anything before.
        var output = Tensor.Uninitialized(x.Dims);
        var y = output.Data;
        // TensorPrimitives.Sigmoid (and others) reject empty spans; an empty batch has nothing to compute.
        if (y.Length > 0) TRule.Forward(x.Data, y);
        return Tape.Record(output, [x], g =>
        {
            var dx = Tensor.Uninitialized(x.Dims);
            if (y.Length > 0) TRule.Backward(x.Data, y, g.Data, dx.Data);
            return [dx];
        });
    }
}

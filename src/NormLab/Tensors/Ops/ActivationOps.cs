using System.Numerics.Tensors;
using NormLab.Autograd;

namespace NormLab;

public static partial class Ops
{
    /// <summary>max(x, 0).</summary>
    /// <param name="x">Input of any shape; the result has the same shape.</param>
    public static Tensor Relu(Tensor x) => Unary<ReluRule>(x);
    /// <summary>The hyperbolic tangent.</summary>
    /// <param name="x">Input of any shape; the result has the same shape.</param>
    public static Tensor Tanh(Tensor x) => Unary<TanhRule>(x);
    /// <summary>1 / (1 + e^-x); the result keeps x as its logits for the cross-entropies.</summary>
    /// <param name="x">Input of any shape; the result has the same shape.</param>
    public static Tensor Sigmoid(Tensor x) => Unary<SigmoidRule>(x).WithLogits(x, LogitsActivation.Sigmoid);
    /// <summary>x for x > 0, e^x - 1 otherwise (alpha 1, Keras's default).</summary>
    /// <param name="x">Input of any shape; the result has the same shape.</param>
    public static Tensor Elu(Tensor x) => Unary<EluRule>(x);
    /// <summary>The exact (erf) GELU, Keras 3's default: 0.5 x (1 + erf(x / sqrt 2)).</summary>
    /// <param name="x">Input of any shape; the result has the same shape.</param>
    public static Tensor Gelu(Tensor x) => Unary<GeluRule>(x);
    /// <summary>The error function, erf(x) = 2/sqrt(pi) * integral of e^(-t^2) from 0 to x (ONNX's Erf, of which exporters build GELU).</summary>
    /// <param name="x">Input of any shape; the result has the same shape.</param>
    public static Tensor Erf(Tensor x) => Unary<ErfRule>(x);
    /// <summary>x for x > 0, 0.2 x otherwise (Keras 3's default negative slope).</summary>
    /// <param name="x">Input of any shape; the result has the same shape.</param>
    public static Tensor LeakyRelu(Tensor x) => Unary<LeakyReluRule>(x);
    /// <summary>x * sigmoid(x) (also called SiLU).</summary>
    /// <param name="x">Input of any shape; the result has the same shape.</param>
    public static Tensor Swish(Tensor x) => Unary<SwishRule>(x);

    /// <summary>Softmax over the last axis, computed stably (max subtracted); the result keeps x as its logits for the cross-entropies.</summary>
    /// <param name="x">Logits of rank >= 1; each slice along the last axis becomes a probability distribution.</param>
    /// <exception cref="ArgumentException">When <paramref name="x"/> is a scalar.</exception>
    public static Tensor Softmax(Tensor x)
    {
        if (x.Dims.Length == 0)
            throw new ArgumentException("Ops.Softmax: softmax normalizes over the last axis, so it needs an input of rank >= 1; received a scalar (shape ()).");
        int n = x.Dims[^1], rows = x.Size / Math.Max(1, n);
        var y = new float[x.Size];
        for (int r = 0; r < rows; r++)
        {
            var source = x.Data.AsSpan(r * n, n);
            var target = y.AsSpan(r * n, n);
            // Scalar math: y = exp(x - max x) / sum exp(x - max x)
            TensorPrimitives.Subtract(source, TensorPrimitives.Max(source), target);
            TensorPrimitives.Exp(target, target);
            TensorPrimitives.Divide(target, TensorPrimitives.Sum(target), target);
        }
        return Tape.Record(new Tensor(y, x.Shape), [x], g =>
        {
            var dx = new float[x.Size];
            for (int r = 0; r < rows; r++)
            {
                var yr = y.AsSpan(r * n, n);
                var target = dx.AsSpan(r * n, n);
                // Scalar math: dx = y * (g - sum(g * y))
                float dot = TensorPrimitives.Dot(g.Data.AsSpan(r * n, n), yr);
                TensorPrimitives.Subtract(g.Data.AsSpan(r * n, n), dot, target);
                TensorPrimitives.Multiply(target, yr, target);
            }
            return [new Tensor(dx, x.Shape)];
        }).WithLogits(x, LogitsActivation.Softmax);
    }

    private struct ReluRule : IUnaryRule<ReluRule>
    {
        public static float Forward(float x) => x > 0 ? x : 0;
        public static float Derivative(float x, float y) => x > 0 ? 1 : 0;
        public static void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Max(x, 0f, y);
        public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> g, Span<float> dx) =>
            Kernels.ElementwiseKernel.ReluBackward(x, g, dx);
    }

    private struct TanhRule : IUnaryRule<TanhRule>
    {
        public static float Forward(float x) => MathF.Tanh(x);
        public static float Derivative(float x, float y) => 1 - y * y;
        public static void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Tanh(x, y);
    }

    private struct SigmoidRule : IUnaryRule<SigmoidRule>
    {
        public static float Forward(float x) => 1 / (1 + MathF.Exp(-x));
        public static float Derivative(float x, float y) => y * (1 - y);
        public static void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Sigmoid(x, y);
    }

    private struct EluRule : IUnaryRule<EluRule>
    {
        public static float Forward(float x) => x > 0 ? x : MathF.Exp(x) - 1;
        public static float Derivative(float x, float y) => x > 0 ? 1 : y + 1;
    }

    private struct GeluRule : IUnaryRule<GeluRule>
    {
        private const double InvSqrt2 = 0.70710678118654752440;
        private const double InvSqrt2Pi = 0.39894228040143267794;
        public static float Forward(float x) => (float)(0.5 * x * (1 + SpecialFunctions.Erf(x * InvSqrt2)));
        public static float Derivative(float x, float y) =>
            (float)(0.5 * (1 + SpecialFunctions.Erf(x * InvSqrt2)) + x * InvSqrt2Pi * Math.Exp(-0.5 * x * x));
    }

    private struct ErfRule : IUnaryRule<ErfRule>
    {
        private const double TwoOverSqrtPi = 1.12837916709551257390;
        public static float Forward(float x) => (float)SpecialFunctions.Erf(x);
        public static float Derivative(float x, float y) => (float)(TwoOverSqrtPi * Math.Exp(-(double)x * x));
    }

    private struct LeakyReluRule : IUnaryRule<LeakyReluRule>
    {
        public static float Forward(float x) => x > 0 ? x : 0.2f * x;
        public static float Derivative(float x, float y) => x > 0 ? 1 : 0.2f;
    }

    private struct SwishRule : IUnaryRule<SwishRule>
    {
        public static float Forward(float x) => x / (1 + MathF.Exp(-x));
        public static float Derivative(float x, float y)
        {
            float s = 1 / (1 + MathF.Exp(-x));
            return s + x * s * (1 - s);
        }
    }
}

using NormLab.Autograd;

namespace NormLab;

/// <summary>Keras 3's remaining activation functions and the parametrised forms its activation layers use.</summary>
public static partial class Ops
{
    private const float SeluAlpha = 1.67326324235437728481f, SeluScale = 1.05070098735548049342f;

    /// <summary>scale * elu(x, alpha) with Keras's constants (alpha 1.6733, scale 1.0507).</summary>
    /// <param name="x">Input of any shape; the result has the same shape.</param>
    public static Tensor Selu(Tensor x) => Unary<SeluRule>(x);
    /// <summary>log(1 + e^x), computed without overflow.</summary>
    /// <param name="x">Input of any shape; the result has the same shape.</param>
    public static Tensor Softplus(Tensor x) => Unary<SoftplusRule>(x);
    /// <summary>x / (1 + |x|).</summary>
    /// <param name="x">Input of any shape; the result has the same shape.</param>
    public static Tensor Softsign(Tensor x) => Unary<SoftsignRule>(x);
    /// <summary>min(max(x, 0), 6).</summary>
    /// <param name="x">Input of any shape; the result has the same shape.</param>
    public static Tensor Relu6(Tensor x) => Unary<Relu6Rule>(x);
    /// <summary>Keras 3's hard sigmoid: relu6(x + 3) / 6 = clip(x / 6 + 0.5, 0, 1).</summary>
    /// <param name="x">Input of any shape; the result has the same shape.</param>
    public static Tensor HardSigmoid(Tensor x) => Unary<HardSigmoidRule>(x);
    /// <summary>x * hard_sigmoid(x) (Keras 3's hard_silu, alias hard_swish).</summary>
    /// <param name="x">Input of any shape; the result has the same shape.</param>
    public static Tensor HardSilu(Tensor x) => Unary<HardSiluRule>(x);
    /// <summary>x * tanh(softplus(x)).</summary>
    /// <param name="x">Input of any shape; the result has the same shape.</param>
    public static Tensor Mish(Tensor x) => Unary<MishRule>(x);
    /// <summary>e^x as an activation (Keras's exponential).</summary>
    /// <param name="x">Input of any shape; the result has the same shape.</param>
    public static Tensor Exponential(Tensor x) => Exp(x);

    /// <summary>
    /// Keras's relu with arguments: min(x, maxValue) for x &gt; threshold, negativeSlope * (x - threshold)
    /// otherwise (so 0 at the threshold).
    /// </summary>
    /// <param name="x">Input of any shape; the result has the same shape.</param>
    /// <param name="negativeSlope">The slope below the threshold (Keras default 0).</param>
    /// <param name="maxValue">The saturation value, or null for none (Keras default).</param>
    /// <param name="threshold">Where the function turns from the slope to x (Keras default 0).</param>
    public static Tensor Relu(Tensor x, double negativeSlope, double? maxValue = null, double threshold = 0)
    {
        float slope = (float)negativeSlope, top = (float)(maxValue ?? double.PositiveInfinity), t = (float)threshold;
        return Elementwise(x,
            v => v > t ? MathF.Min(v, top) : slope * (v - t),
            v => v > t ? (v < top ? 1 : 0) : slope);
    }

    /// <summary>x for x &gt; 0, negativeSlope * x otherwise.</summary>
    /// <param name="x">Input of any shape; the result has the same shape.</param>
    /// <param name="negativeSlope">The slope for x &lt;= 0.</param>
    public static Tensor LeakyRelu(Tensor x, double negativeSlope) => Relu(x, negativeSlope);

    /// <summary>x for x &gt; 0, alpha * (e^x - 1) otherwise.</summary>
    /// <param name="x">Input of any shape; the result has the same shape.</param>
    /// <param name="alpha">The scale of the negative part (Keras default 1).</param>
    public static Tensor Elu(Tensor x, double alpha)
    {
        float a = (float)alpha;
        return Elementwise(x, v => v > 0 ? v : a * (MathF.Exp(v) - 1), v => v > 0 ? 1 : a * MathF.Exp(v));
    }

    /// <summary>Parametric ReLU: x for x &gt; 0, alpha * x otherwise, alpha broadcast against x (a learned weight).</summary>
    /// <param name="x">Input of any shape; the result has the same shape.</param>
    /// <param name="alpha">The negative slopes; NumPy-broadcastable to <paramref name="x"/>.</param>
    public static Tensor PRelu(Tensor x, Tensor alpha) => Sub(Relu(x), Mul(alpha, Relu(Neg(x))));

    /// <summary>Softmax over several axes at once (Keras's softmax with an axis list): the axes are moved
    /// last and merged into one, normalized, and moved back.</summary>
    /// <param name="x">The logits.</param>
    /// <param name="axes">The axes normalized over (negative ones count from the end).</param>
    /// <exception cref="ArgumentException">When <paramref name="axes"/> is empty or an axis is out of range.</exception>
    public static Tensor Softmax(Tensor x, int[] axes)
    {
        var normalized = axes.Select(a => Shapes.NormalizeAxis(a, x.Rank, "Softmax")).Distinct().Order().ToArray();
        if (normalized.Length == 0) throw new ArgumentException("Softmax: no axis given.");
        var permutation = Enumerable.Range(0, x.Rank).Except(normalized).Concat(normalized).ToArray();
        bool inPlace = permutation.Select((p, i) => p == i).All(same => same);
        var moved = inPlace ? x : Transpose(x, permutation);
        int kept = x.Rank - normalized.Length;
        int merged = normalized.Aggregate(1, (size, a) => size * x.Dims[a]);
        var y = Reshape(Softmax(Reshape(moved, [.. moved.Dims[..kept], merged])), moved.Shape);
        if (inPlace) return y;
        var inverse = new int[permutation.Length];
        for (int i = 0; i < permutation.Length; i++) inverse[permutation[i]] = i;
        return Transpose(y, inverse);
    }

    /// <summary>An elementwise function given as delegates, for the parametrised activations (dx = g * f'(x)).</summary>
    private static Tensor Elementwise(Tensor x, Func<float, float> forward, Func<float, float> derivative)
    {
        var output = Map(x, forward);
        return Tape.Record(output, [x], g =>
        {
            var dx = new float[x.Size];
            for (int i = 0; i < dx.Length; i++) dx[i] = g.Data[i] * derivative(x.Data[i]);
            return [new Tensor(dx, x.Shape)];
        });
    }

    private struct SeluRule : IUnaryRule<SeluRule>
    {
        public static float Forward(float x) => x > 0 ? SeluScale * x : SeluScale * SeluAlpha * (MathF.Exp(x) - 1);
        public static float Derivative(float x, float y) => x > 0 ? SeluScale : y + SeluScale * SeluAlpha;
    }

    private struct SoftplusRule : IUnaryRule<SoftplusRule>
    {
        // Scalar math: max(x, 0) + log1p(e^-|x|), exact for large |x| where log(1 + e^x) overflows.
        public static float Forward(float x) => MathF.Max(x, 0) + (float)Math.Log(1 + Math.Exp(-Math.Abs(x)));
        public static float Derivative(float x, float y) => 1 / (1 + MathF.Exp(-x));
    }

    private struct SoftsignRule : IUnaryRule<SoftsignRule>
    {
        public static float Forward(float x) => x / (1 + MathF.Abs(x));
        public static float Derivative(float x, float y)
        {
            float d = 1 + MathF.Abs(x);
            return 1 / (d * d);
        }
    }

    private struct Relu6Rule : IUnaryRule<Relu6Rule>
    {
        public static float Forward(float x) => float.IsNaN(x) ? x : Math.Clamp(x, 0f, 6f);
        public static float Derivative(float x, float y) => x > 0 && x < 6 ? 1 : 0;
    }

    private struct HardSigmoidRule : IUnaryRule<HardSigmoidRule>
    {
        public static float Forward(float x) => float.IsNaN(x) ? x : Math.Clamp(x / 6 + 0.5f, 0f, 1f);
        public static float Derivative(float x, float y) => x > -3 && x < 3 ? 1f / 6 : 0;
    }

    private struct HardSiluRule : IUnaryRule<HardSiluRule>
    {
        public static float Forward(float x) => x * HardSigmoidRule.Forward(x);
        // Scalar math: d/dx x * (x + 3) / 6 = (2x + 3) / 6 inside (-3, 3); 0 below, 1 above.
        public static float Derivative(float x, float y) => x <= -3 ? 0 : x >= 3 ? 1 : (2 * x + 3) / 6;
    }

    private struct MishRule : IUnaryRule<MishRule>
    {
        public static float Forward(float x) => x * MathF.Tanh(SoftplusRule.Forward(x));
        public static float Derivative(float x, float y)
        {
            float t = MathF.Tanh(SoftplusRule.Forward(x));
            return t + x * (1 - t * t) / (1 + MathF.Exp(-x));
        }
    }
}

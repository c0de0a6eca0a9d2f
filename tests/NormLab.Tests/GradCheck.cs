using NormLab.Autograd;
using NormLab.Layers;
using Xunit.Sdk;

namespace NormLab.Tests;

/// <summary>
/// A central finite-difference gradient checker. For a function f and tensors w it compares the
/// analytic gradient of L = sum(f(...) * r), with r a fixed random tensor of f's output shape, against
/// (L(w + eps) - L(w - eps)) / (2 eps) element by element, eps = <see cref="Options.Eps"/> * max(1, |w|).
/// L is accumulated in double from the float32 output.
/// An element passes when |analytic - numeric| &lt;= Atol + Rtol * max(|analytic|, |numeric|);
/// a failure names the tensor, the worst element (relative to its allowance) and both values.
/// </summary>
public static class GradCheck
{
    /// <summary>The step and written-down tolerances.</summary>
    /// <param name="Eps">The step relative to max(1, |value|); 1e-2 balances float32 rounding (~1e-7 / eps) against truncation (~eps²).</param>
    /// <param name="Rtol">Relative tolerance.</param>
    /// <param name="Atol">Absolute tolerance.</param>
    /// <param name="MaxChecksPerTensor">Elements checked per tensor (a fixed random subset when the tensor is larger).</param>
    public sealed record Options(double Eps = 1e-2, double Rtol = 2e-2, double Atol = 2e-3, int MaxChecksPerTensor = 48);

    /// <summary>The worst element found.</summary>
    public sealed record Report(string Tensor, int Index, double Analytic, double Numeric, double Ratio, int Checked)
    {
        public override string ToString() =>
            $"worst element {Tensor}[{Index}]: analytic {Analytic:G6}, numeric {Numeric:G6} ({Ratio:F3} of the allowance; {Checked} elements checked)";
    }

    public static readonly Options Default = new();

    /// <summary>Checks d sum(f(inputs) * r) / d inputs. The inputs get RequiresGrad = true.</summary>
    public static Report Check(Func<Tensor[], Tensor> f, Tensor[] inputs, Options? options = null, string what = "f") =>
        Check(() => f(inputs), inputs.Select((t, i) => ($"input{i}", t)).ToArray(), options, what);

    /// <summary>
    /// Checks the gradients of a layer's output with respect to its input (when <paramref name="checkInput"/>)
    /// and every trainable weight (perturbed in place). <paramref name="beforeCall"/> runs before every
    /// evaluation (e.g. <c>NormLabRandom.SetSeed</c> for dropout).
    /// </summary>
    public static Report CheckLayer(Layer layer, Tensor x, bool training = false, bool checkInput = true,
        Action? beforeCall = null, Options? options = null)
    {
        if (!layer.Built) layer.Build(x.Shape);
        var wrt = new List<(string, Tensor)>();
        if (checkInput) wrt.Add(("input", x));
        wrt.AddRange(layer.TrainableWeights.Select(w => (w.Name ?? "weight", w)));
        return Check(() => { beforeCall?.Invoke(); return layer.Call(x, training); }, wrt.ToArray(), options, layer.Name);
    }

    /// <summary>Checks every tensor of <paramref name="wrt"/> with the given step and tolerances (the normalization tests' form).</summary>
    public static Report Check(Func<Tensor> f, IReadOnlyList<Tensor> wrt, double h = 1e-2, double rtol = 3e-2, double atol = 3e-3, int samples = 24) =>
        Check(f, wrt.Select((t, i) => (t.Name ?? $"tensor{i}", t)).ToArray(), new Options(h, rtol, atol, samples));

    /// <summary>The general form: <paramref name="f"/> reads the tensors in <paramref name="wrt"/> (whose Data is perturbed in place).</summary>
    public static Report Check(Func<Tensor> f, (string name, Tensor tensor)[] wrt, Options? options = null, string what = "f")
    {
        options ??= Default;
        foreach (var (_, t) in wrt) { t.RequiresGrad = true; t.Grad = null; }

        // Analytic: seed the output with r, so Backward gives d sum(f * r).
        var output = f();
        var rng = new Random(1234);
        var r = new float[output.Size];
        for (int i = 0; i < r.Length; i++) r[i] = (float)(rng.NextDouble() * 2 - 1);
        output.Backward(Tensor.FromArray(r, output.Shape));
        var analytic = wrt.Select(w => w.tensor.Grad?.ToArray()).ToArray();
        foreach (var (_, t) in wrt) t.Grad = null;

        double Objective()
        {
            using var _ = Tape.NoGrad();
            var y = f();
            if (y.Size != r.Length) throw new XunitException($"{what}: the output size changed between calls ({y.Size} vs {r.Length}).");
            double sum = 0;
            for (int i = 0; i < r.Length; i++) sum += (double)y.Data[i] * r[i];
            return sum;
        }

        Report? worst = null;
        int failures = 0, total = 0;
        string firstFailure = "";
        for (int k = 0; k < wrt.Length; k++)
        {
            var (name, tensor) = wrt[k];
            var grad = analytic[k] ?? new float[tensor.Size];
            if (grad.Length != tensor.Size) throw new XunitException($"{what}: gradient of {name} has {grad.Length} values, the tensor {tensor.Size}.");
            foreach (int i in Indices(tensor.Size, options.MaxChecksPerTensor, k))
            {
                float original = tensor.Data[i];
                double eps = options.Eps * Math.Max(1, Math.Abs(original));
                float plus = (float)(original + eps), minus = (float)(original - eps);
                tensor.Data[i] = plus;
                double lp = Objective();
                tensor.Data[i] = minus;
                double lm = Objective();
                tensor.Data[i] = original;
                double numeric = (lp - lm) / ((double)plus - minus);
                double a = grad[i];
                double allowance = options.Atol + options.Rtol * Math.Max(Math.Abs(a), Math.Abs(numeric));
                double ratio = Math.Abs(a - numeric) / allowance;
                if (double.IsNaN(ratio)) ratio = double.PositiveInfinity;
                total++;
                var report = new Report(name, i, a, numeric, ratio, 0);
                if (worst == null || ratio > worst.Ratio) worst = report;
                if (ratio > 1 && failures++ == 0) firstFailure = report.ToString();
            }
        }
        worst = (worst ?? new Report("-", -1, 0, 0, 0, 0)) with { Checked = total };
        if (failures > 0)
            throw new XunitException($"GradCheck {what}: {failures} of {total} elements outside |a - n| <= {options.Atol} + {options.Rtol} * max(|a|, |n|); {worst} (first failing: {firstFailure}).");
        return worst;
    }

    /// <summary>Every index, or a fixed random subset of <paramref name="max"/> of them.</summary>
    private static IEnumerable<int> Indices(int size, int max, int salt)
    {
        if (size <= max) return Enumerable.Range(0, size);
        var rng = new Random(97 + salt);
        return Enumerable.Range(0, size).OrderBy(_ => rng.Next()).Take(max).OrderBy(i => i).ToArray();
    }

    // ---- inputs that keep away from kinks ----

    /// <summary>Values in ±[0.2, 1.2) with random signs (no value near 0: relu, abs, leaky_relu, elu kinks).</summary>
    public static Tensor AwayFromZero(int seed, params int[] shape)
    {
        var rng = new Random(seed);
        var data = new float[shape.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)((0.2 + rng.NextDouble()) * (rng.Next(2) == 0 ? -1 : 1));
        return Tensor.FromArray(data, shape);
    }

    /// <summary>Uniform values in [low, high) from a private generator.</summary>
    public static Tensor Uniform(int seed, double low, double high, params int[] shape)
    {
        var rng = new Random(seed);
        var data = new float[shape.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(low + (high - low) * rng.NextDouble());
        return Tensor.FromArray(data, shape);
    }

    /// <summary>
    /// Distinct values evenly spaced over [-1, 1] in random order (no ties for max pooling): the gap is
    /// 2 / (n - 1), so check with an Eps well below half of it.
    /// </summary>
    public static Tensor Distinct(int seed, params int[] shape)
    {
        var rng = new Random(seed);
        int n = shape.Aggregate(1, (a, b) => a * b);
        var data = Enumerable.Range(0, n).Select(i => (float)(-1 + 2.0 * i / Math.Max(1, n - 1))).OrderBy(_ => rng.Next()).ToArray();
        return Tensor.FromArray(data, shape);
    }
}

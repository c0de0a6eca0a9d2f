using Xunit;

namespace NormLab.Tests.Normalization;

/// <summary>
/// Finite-difference gradient check of loss = sum(f() * seed) with respect to any set of tensors
/// (the input and the layer's weights). The loss is summed in double from the float outputs, and
/// central differences use a step of <c>h</c>; a sample of coordinates is checked per tensor.
/// </summary>
internal static class GradCheck
{
    public static void Check(Func<Tensor> f, IReadOnlyList<Tensor> wrt, double h = 1e-2, double rtol = 3e-2, double atol = 3e-3, int samples = 24, int seed = 0)
    {
        var y0 = f();
        var rng = new Random(seed);
        var seedT = Tensor.FromArray(Enumerable.Range(0, y0.Size).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(), y0.Shape);
        foreach (var t in wrt) { t.RequiresGrad = true; t.Grad = null; }
        var y = f();
        Ops.Sum(Ops.Mul(y, seedT)).Backward();
        var analytic = wrt.Select(t => t.Grad?.ToArray() ?? new float[t.Size]).ToArray();

        double Loss()
        {
            var o = f().ToArray(); var s = seedT.ToArray();
            double l = 0;
            for (int i = 0; i < o.Length; i++) l += (double)o[i] * s[i];
            return l;
        }

        for (int w = 0; w < wrt.Count; w++)
        {
            var data = wrt[w].Data;
            var idx = Enumerable.Range(0, data.Length).OrderBy(_ => rng.Next()).Take(samples);
            foreach (int i in idx)
            {
                float old = data[i];
                data[i] = (float)(old + h); double lp = Loss();
                data[i] = (float)(old - h); double lm = Loss();
                data[i] = old;
                double numeric = (lp - lm) / (2 * h);
                Assert.True(Math.Abs(numeric - analytic[w][i]) <= atol + rtol * Math.Abs(numeric),
                    $"tensor {w} ({wrt[w].Name ?? "input"}) [{i}]: numeric {numeric}, analytic {analytic[w][i]}");
            }
        }
    }
}

using NormLab.Kernels;
using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Layers;

/// <summary>
/// LSTM on random batch sizes, lengths, feature and unit counts (both sides of the vector width),
/// returnSequences on and off, one or two threads, against Keras's recurrence written out in double
/// (gate order i, f, c, o; sigmoid gates, tanh cell; zero initial state), its gradients by central
/// differences in double. The fixtures pin two shapes; these reach the others.
/// </summary>
public class LstmDifferentialTests
{
    public static TheoryData<int> Seeds() => new(Enumerable.Range(0, 24));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void LstmMatchesTheRecurrence(int seed)
    {
        var rng = new Random(3571 + seed);
        int batch = rng.Next(1, 4), steps = rng.Next(1, 6), features = rng.Next(1, 10), units = rng.Next(1, 18);
        bool sequences = rng.Next(2) == 0;
        int threads = rng.Next(1, 3);
        var layer = new LSTM(units, returnSequences: sequences);
        layer.Build([batch, steps, features]);
        foreach (var w in layer.Weights)
            for (int i = 0; i < w.Size; i++) w.Data[i] = (float)(rng.NextDouble() - 0.5);
        var weights = layer.Weights.Select(w => w.ToArray().Select(v => (double)v).ToArray()).ToArray();
        var xs = Enumerable.Range(0, batch * steps * features).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        int outLength = batch * (sequences ? steps : 1) * units;
        var dys = Enumerable.Range(0, outLength).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var x = Tensor.FromArray(xs, batch, steps, features);
        x.RequiresGrad = true;

        int old = KernelThreads.Max;
        KernelThreads.Max = threads;
        try
        {
            var y = layer.Call(x, training: true);
            y.Backward(Tensor.FromArray(dys, y.Shape));
            string at = $"case {seed}: batch {batch}, steps {steps}, features {features}, units {units}, returnSequences {sequences}, {threads} thread(s)";

            double[] Forward(double[] xv, double[][] w) => Recurrence(xv, w[0], w[1], w[2], batch, steps, features, units, sequences);
            double Loss(double[] xv, double[][] w) => Forward(xv, w).Select((v, i) => v * dys[i]).Sum();
            var xd = xs.Select(v => (double)v).ToArray();
            ScaledClose.AllClose(Forward(xd, weights), y.ToArray(), 1e-5, at + ", y");
            ScaledClose.AllClose(DoubleDifferences.Gradient(xd, v => Loss(v, weights)), x.Grad!.ToArray(), 1e-4, at + ", dx");
            for (int k = 0; k < weights.Length; k++)
            {
                int which = k;
                var grad = DoubleDifferences.Gradient(weights[k], v => Loss(xd, weights.Select((w, j) => j == which ? v : w).ToArray()));
                ScaledClose.AllClose(grad, layer.Weights[k].Grad!.ToArray(), 1e-4, $"{at}, d{layer.Weights[k].Name}");
            }
        }
        finally { KernelThreads.Max = old; }
    }

    /// <summary>Keras's LSTM: z = x_t W + h U + b split as [i, f, c, o]; c = f c + i tanh(z_c); h = o tanh(c).</summary>
    private static double[] Recurrence(double[] x, double[] kernel, double[] recurrent, double[] bias, int batch, int steps, int features, int units, bool sequences)
    {
        var output = new double[batch * (sequences ? steps : 1) * units];
        static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
        for (int b = 0; b < batch; b++)
        {
            var h = new double[units]; var c = new double[units];
            for (int t = 0; t < steps; t++)
            {
                var z = new double[4 * units];
                for (int j = 0; j < 4 * units; j++)
                {
                    double s = bias[j];
                    for (int f = 0; f < features; f++) s += x[(b * steps + t) * features + f] * kernel[f * 4 * units + j];
                    for (int u = 0; u < units; u++) s += h[u] * recurrent[u * 4 * units + j];
                    z[j] = s;
                }
                for (int u = 0; u < units; u++)
                {
                    c[u] = Sigmoid(z[units + u]) * c[u] + Sigmoid(z[u]) * Math.Tanh(z[2 * units + u]);
                    h[u] = Sigmoid(z[3 * units + u]) * Math.Tanh(c[u]);
                }
                if (sequences || t == steps - 1)
                    Array.Copy(h, 0, output, ((sequences ? b * steps + t : b)) * units, units);
            }
        }
        return output;
    }
}

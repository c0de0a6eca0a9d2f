namespace NormLab.Cli.Lab;

/// <summary>A mean with its 95% confidence interval from the t-distribution (half-width 0 with one value).</summary>
/// <param name="Mean">The sample mean.</param>
/// <param name="HalfWidth">t(0.975, n - 1) * s / sqrt(n); NaN with fewer than two values.</param>
/// <param name="Count">The number of values.</param>
internal readonly record struct Interval(double Mean, double HalfWidth, int Count)
{
    /// <summary>The lower end of the interval.</summary>
    internal double Low => Mean - HalfWidth;
    /// <summary>The upper end of the interval.</summary>
    internal double High => Mean + HalfWidth;
}

/// <summary>
/// The statistics the lab's findings rest on: means with 95% t-intervals, and the paired t-test of two
/// configurations measured on the same seeds (seed k gives both the same initial draws and data order,
/// so the per-seed differences carry the comparison).
/// </summary>
internal static class PairedStatistics
{
    /// <summary>The mean and the 95% confidence interval of <paramref name="values"/>.</summary>
    internal static Interval MeanInterval(IReadOnlyList<double> values)
    {
        int n = values.Count;
        if (n == 0) return new Interval(double.NaN, double.NaN, 0);
        double mean = values.Average();
        if (n == 1) return new Interval(mean, double.NaN, 1);
        double variance = values.Sum(v => (v - mean) * (v - mean)) / (n - 1);
        return new Interval(mean, StudentTQuantile(0.975, n - 1) * Math.Sqrt(variance / n), n);
    }

    /// <summary>
    /// The paired t-test of a against b (same seeds, same order): the mean difference a - b with its 95%
    /// interval and the two-sided p-value. NaN p-value with fewer than two pairs; with identical
    /// differences the p-value is 0 when their mean is not 0, else 1.
    /// </summary>
    internal static (Interval Difference, double PValue) PairedTTest(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count != b.Count)
            throw new ArgumentException($"PairedTTest: the two samples must be paired, received {a.Count} and {b.Count} values.");
        var differences = a.Zip(b, (x, y) => x - y).ToList();
        var interval = MeanInterval(differences);
        int n = differences.Count;
        if (n < 2) return (interval, double.NaN);
        double sd = Math.Sqrt(differences.Sum(d => (d - interval.Mean) * (d - interval.Mean)) / (n - 1));
        if (sd == 0) return (interval, interval.Mean == 0 ? 1 : 0);
        double t = interval.Mean / (sd / Math.Sqrt(n));
        return (interval, 2 * StudentTTail(Math.Abs(t), n - 1));
    }

    /// <summary>P(T > t) for Student's t with <paramref name="df"/> degrees of freedom, t >= 0.</summary>
    internal static double StudentTTail(double t, double df) => 0.5 * RegularizedIncompleteBeta(df / 2, 0.5, df / (df + t * t));

    /// <summary>The p-quantile of Student's t (0.5 &lt; p &lt; 1), by bisection on the tail.</summary>
    internal static double StudentTQuantile(double p, double df)
    {
        if (!(p > 0.5 && p < 1) || !(df > 0))
            throw new ArgumentOutOfRangeException(nameof(p), $"StudentTQuantile: needs 0.5 < p < 1 and df > 0, received p = {p}, df = {df}.");
        double low = 0, high = 1;
        while (StudentTTail(high, df) > 1 - p) high *= 2;
        for (int i = 0; i < 200 && high - low > 1e-12 * high; i++)
        {
            double mid = 0.5 * (low + high);
            if (StudentTTail(mid, df) > 1 - p) low = mid; else high = mid;
        }
        return 0.5 * (low + high);
    }

    /// <summary>I_x(a, b), by the continued fraction of Numerical Recipes (Lentz's method), with the symmetry for x above the mean.</summary>
    internal static double RegularizedIncompleteBeta(double a, double b, double x)
    {
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        double front = Math.Exp(LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(1 - x));
        return x < (a + 1) / (a + b + 2)
            ? front * BetaContinuedFraction(a, b, x) / a
            : 1 - front * BetaContinuedFraction(b, a, 1 - x) / b;
    }

    private static double BetaContinuedFraction(double a, double b, double x)
    {
        const double tiny = 1e-300;
        double c = 1, d = 1 - (a + b) * x / (a + 1);
        d = 1 / (Math.Abs(d) < tiny ? tiny : d);
        double result = d;
        for (int m = 1; m <= 500; m++)
        {
            double even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
            d = 1 / Guard(1 + even * d); c = Guard(1 + even / c); result *= d * c;
            double odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
            d = 1 / Guard(1 + odd * d); c = Guard(1 + odd / c);
            double step = d * c;
            result *= step;
            if (Math.Abs(step - 1) < 1e-15) break;
        }
        return result;

        static double Guard(double v) => Math.Abs(v) < tiny ? tiny : v;
    }

    /// <summary>ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; about 15 digits).</summary>
    private static double LogGamma(double x)
    {
        if (x < 0.5) return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
        double[] c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
        x -= 1;
        double sum = c[0], t = x + 7.5;
        for (int i = 1; i < 9; i++) sum += c[i] / (x + i);
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }
}

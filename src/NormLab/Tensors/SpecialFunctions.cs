namespace NormLab;

/// <summary>Special functions .NET does not provide.</summary>
internal static class SpecialFunctions
{
    /// <summary>
    /// The error function to about 1e-14 relative accuracy: a Taylor series near 0 and the
    /// Lentz continued fraction of erfc further out (both standard, e.g. Numerical Recipes 6.2).
    /// </summary>
    internal static double Erf(double x)
    {
        if (double.IsNaN(x)) return x; // Math.Sign throws on NaN; NaN goes through (gelu of NaN is NaN)
        double ax = Math.Abs(x);
        if (ax < 2.5)
        {
            // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
            double term = ax, sum = ax, x2 = ax * ax;
            for (int n = 1; n < 60 && Math.Abs(term) > 1e-17 * Math.Abs(sum); n++)
            {
                term *= -x2 / n;
                sum += term / (2 * n + 1);
            }
            return Math.Sign(x) * 2 / Math.Sqrt(Math.PI) * sum;
        }
        return Math.Sign(x) * (1 - Erfc(ax));
    }

    // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))) for x >= 2.5
    private static double Erfc(double x)
    {
        double fraction = 0;
        for (int n = 60; n >= 1; n--) fraction = n / 2.0 / (x + fraction);
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / (x + fraction);
    }
}

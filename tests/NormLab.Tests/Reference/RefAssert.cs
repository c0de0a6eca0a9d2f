using Xunit.Sdk;

namespace NormLab.Tests.Reference;

/// <summary>
/// Tolerances used against the float64 PyTorch references (NormLab computes in float32).
/// A value passes when |actual - expected| &lt;= atol + rtol * |expected|.
/// </summary>
public static class Tol
{
    /// <summary>Forward outputs of layers and activations.</summary>
    public const double FwdRel = 1e-5, FwdAbs = 1e-5;

    /// <summary>Gradients (dx, dkernel, dbias, ...): longer float32 reductions.</summary>
    public const double GradRel = 1e-4, GradAbs = 1e-4;

    /// <summary>LSTM forward: 5 recurrent steps of float32 sigmoid/tanh.</summary>
    public const double LstmFwdRel = 5e-5, LstmFwdAbs = 5e-5;

    /// <summary>LSTM gradients: backprop through time accumulates more rounding.</summary>
    public const double LstmGradRel = 3e-4, LstmGradAbs = 3e-4;

    /// <summary>Scalar loss values (clip cases contain -log(1e-7) ~ 16.1).</summary>
    public const double LossRel = 1e-5, LossAbs = 1e-5;

    /// <summary>d(loss)/d(prediction).</summary>
    public const double LossGradRel = 1e-4, LossGradAbs = 1e-5;
}

public static class RefAssert
{
    /// <summary>
    /// Element-wise |actual - expected| &lt;= atol + rtol * |expected|; on failure reports the number of
    /// violations and the worst index (relative to its allowance) with both values.
    /// </summary>
    public static void AssertClose(float[] expected, float[] actual, double rtol, double atol, string what)
    {
        if (actual is null)
            throw new XunitException($"{what}: actual is null.");
        if (expected.Length != actual.Length)
            throw new XunitException($"{what}: length mismatch, expected {expected.Length} values, got {actual.Length}.");

        int worst = -1, bad = 0;
        double worstRatio = -1, worstErr = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            double err = Math.Abs(a - e);
            double allowed = atol + rtol * Math.Abs(e);
            double ratio = double.IsNaN(err) ? double.PositiveInfinity : err / allowed;
            if (ratio > 1.0) bad++;
            if (ratio > worstRatio)
            {
                worstRatio = ratio;
                worst = i;
                worstErr = err;
            }
        }
        if (bad > 0)
            throw new XunitException(
                $"{what}: {bad}/{expected.Length} values out of tolerance (rtol={rtol:g}, atol={atol:g}). " +
                $"Worst at flat index {worst}: expected {expected[worst]:R}, actual {actual[worst]:R}, " +
                $"|diff|={worstErr:g} ({worstRatio:F1}x the allowance).");
    }

    public static void AssertShape(int[] expected, int[] actual, string what)
    {
        if (actual is null || !expected.SequenceEqual(actual))
            throw new XunitException(
                $"{what}: shape mismatch, expected [{string.Join(",", expected)}], " +
                $"got [{(actual is null ? "null" : string.Join(",", actual))}].");
    }

    /// <summary>Shape and values of a tensor against the fixture tensor of the same name.</summary>
    public static void AssertTensor(Fixture f, string name, NormLab.Tensor? actual, double rtol, double atol)
    {
        string what = $"{f.Case}: {name}";
        if (actual is null)
            throw new XunitException($"{what}: tensor is null (gradient not populated?).");
        AssertShape(f.Shape(name), actual.Shape, what);
        AssertClose(f.Data(name), actual.ToArray(), rtol, atol, what);
    }
}

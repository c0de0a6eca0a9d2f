namespace NormLab.Layers;

/// <summary>
/// For the normalizations composed of ops (UnitNormalization, FilterResponseNormalization): where an
/// input's squares overflow float (|x| above ~1.8e19), the sum of squares is +inf and the output
/// collapses to 0. Those layers compute it again on the input scaled by 2^-100 in the overflowed rows
/// only (exact, a power of two; their largest square is then ~7e16). The output does not depend on the
/// scale apart from an epsilon that the overflow makes negligible. Costs one scan of the statistics.
/// </summary>
internal static class OverflowRescale
{
    private static readonly float Down = MathF.ScaleB(1f, -100);

    /// <summary>
    /// A constant of <paramref name="sumOfSquares"/>'s shape: 2^-100 where it is +inf, 1 elsewhere;
    /// or null when nothing overflowed (the usual case).
    /// </summary>
    internal static Tensor? Scale(Tensor sumOfSquares)
    {
        var s = sumOfSquares.Data;
        if (Array.IndexOf(s, float.PositiveInfinity) < 0) return null;
        var scale = new float[s.Length];
        for (int i = 0; i < s.Length; i++) scale[i] = float.IsPositiveInfinity(s[i]) ? Down : 1f;
        return Tensor.FromArray(scale, sumOfSquares.Dims.ToArray());
    }
}

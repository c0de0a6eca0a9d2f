namespace NormLab.Optimizers;

/// <summary>Keras 3's gradient clipping, applied before the weight decay and the update; clipped gradients are copies.</summary>
internal static class GradientClipping
{
    internal static IReadOnlyList<float[]> Clip(IReadOnlyList<float[]> gradients, double? clipnorm, double? globalClipnorm, double? clipvalue)
    {
        if (clipnorm is double c) return gradients.Select(g => Scaled(g, c / Math.Max(Norm([g]), c))).ToList();
        if (globalClipnorm is double gc)
        {
            double norm = Norm(gradients);
            // As Keras: a non-finite global norm makes every gradient NaN rather than silently skipping the clip.
            double scale = double.IsFinite(norm) ? gc * Math.Min(1 / norm, 1 / gc) : double.NaN;
            return gradients.Select(g => Scaled(g, scale)).ToList();
        }
        if (clipvalue is double v)
        {
            float limit = (float)v;
            return gradients.Select(g => g.Select(x => Math.Clamp(x, -limit, limit)).ToArray()).ToList();
        }
        return gradients;
    }

    private static double Norm(IEnumerable<float[]> gradients)
    {
        double sum = 0;
        foreach (var g in gradients)
            foreach (var x in g) sum += (double)x * x;
        return Math.Sqrt(sum);
    }

    private static float[] Scaled(float[] gradient, double scale)
    {
        float s = (float)scale;
        var result = new float[gradient.Length];
        for (int i = 0; i < result.Length; i++) result[i] = gradient[i] * s;
        return result;
    }
}

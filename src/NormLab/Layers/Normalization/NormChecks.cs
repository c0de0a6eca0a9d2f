namespace NormLab.Layers;

/// <summary>The constructor-argument checks the normalization layers share, with one message each.</summary>
internal static class NormChecks
{
    /// <summary>Throws unless <paramref name="epsilon"/> is positive and finite (NaN and infinity are refused).</summary>
    internal static void Epsilon(string layer, double epsilon)
    {
        if (!(epsilon > 0 && double.IsFinite(epsilon)))
            throw new ArgumentException($"{layer}: epsilon must be positive and finite. Received: epsilon={epsilon}");
    }

    /// <summary>Throws unless <paramref name="momentum"/>, the weight of the old value (see <see cref="MovingAverage"/>), is in [0, 1].</summary>
    internal static void Momentum(string layer, double momentum)
    {
        if (!(momentum >= 0 && momentum <= 1))
            throw new ArgumentException($"{layer}: momentum must be in [0, 1] (weight of the old value). Received: momentum={momentum}");
    }
}

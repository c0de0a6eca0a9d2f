namespace NormLab.Losses;

/// <summary>Validation of per-sample weights shared by the losses and the metrics.</summary>
internal static class SampleWeights
{
    /// <summary>The weights of a tensor of shape (batch) or (batch, 1); throws naming <paramref name="who"/> otherwise.</summary>
    internal static float[] Read(Tensor sampleWeight, int batch, string who)
    {
        bool perSample = sampleWeight.Rank == 1 || (sampleWeight.Rank == 2 && sampleWeight.Dims[1] == 1);
        if (!perSample || sampleWeight.Dims[0] != batch)
            throw new ArgumentException($"{who}: sampleWeight must hold one weight per sample, shape ({batch}) or ({batch}, 1), received shape {Shapes.Format(sampleWeight.Dims)}.");
        var weights = sampleWeight.ToArray();
        for (int i = 0; i < weights.Length; i++)
            if (!float.IsFinite(weights[i]) || weights[i] < 0)
                throw new ArgumentException($"{who}: sampleWeight must be finite and >= 0, received {weights[i]} at index {i}.");
        return weights;
    }
}

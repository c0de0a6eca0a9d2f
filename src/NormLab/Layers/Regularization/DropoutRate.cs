namespace NormLab.Layers;

/// <summary>The checks and random masks the dropout-style regularization layers share.</summary>
internal static class DropoutRate
{
    /// <summary>Throws unless <paramref name="rate"/> is in [0, 1).</summary>
    internal static double Check(double rate, string layer)
    {
        if (!(rate >= 0 && rate < 1))
            throw new ArgumentException($"{layer}: rate must be in [0, 1), received {rate}.");
        return rate;
    }

    /// <summary>A tensor of <paramref name="shape"/> holding 1 where a uniform draw is &gt;= rate (kept), 0 elsewhere.</summary>
    internal static Tensor KeepMask(int[] shape, double rate, SeedStream random)
    {
        var mask = Tensor.Zeros(shape);
        random.FillUniform(mask.Data, 0, 1);
        for (int i = 0; i < mask.Size; i++) mask.Data[i] = mask.Data[i] >= rate ? 1f : 0f;
        return mask;
    }
}

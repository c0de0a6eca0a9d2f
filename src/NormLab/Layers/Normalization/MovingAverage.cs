namespace NormLab.Layers;

/// <summary>Keras's moving-average rule, shared by the layers that keep moving statistics: the momentum is the weight of the old value.</summary>
internal static class MovingAverage
{
    /// <summary><c>moving[i] = moving[i] * momentum + value * (1 - momentum)</c>.</summary>
    internal static void Update(Tensor moving, int i, double value, double momentum) =>
        moving.Data[i] = (float)(moving.Data[i] * momentum + value * (1 - momentum));

    /// <summary>The rule for every entry, with <paramref name="values"/> the new statistics.</summary>
    internal static void Update(Tensor moving, double[] values, double momentum) =>
        Kernels.PerChannel.MovingAverage(moving.Data.AsSpan(0, values.Length), values, momentum);
}

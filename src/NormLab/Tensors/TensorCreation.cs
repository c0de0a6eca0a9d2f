namespace NormLab;

public sealed partial class Tensor
{
    /// <summary>A tensor holding a copy of <paramref name="data"/> with the given shape.</summary>
    /// <example><code>Tensor t = Tensor.FromArray(new float[] {1, 2, 3, 4}, 2, 2);</code></example>
    public static Tensor FromArray(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        Shapes.Validate(shape, "Tensor.FromArray");
        return new Tensor((float[])data.Clone(), shape);
    }

    /// <summary>A scalar (rank 0) tensor.</summary>
    public static Tensor Scalar(float value) => new([value], []);

    /// <summary>All zeros.</summary>
    public static Tensor Zeros(params int[] shape) => Full(shape, 0f);

    /// <summary>All ones.</summary>
    public static Tensor Ones(params int[] shape) => Full(shape, 1f);

    /// <summary>Every value equal to <paramref name="value"/>.</summary>
    public static Tensor Full(int[] shape, double value)
    {
        Shapes.Validate(shape, "Tensor.Full");
        var data = new float[Shapes.SizeOf(shape)];
        if (value != 0) Array.Fill(data, (float)value);
        return new Tensor(data, shape);
    }

    /// <summary>Uniform samples in [0, 1).</summary>
    public static Tensor Rand(params int[] shape) => RandUniform(shape, 0, 1);

    /// <summary>Uniform samples in [low, high).</summary>
    public static Tensor RandUniform(int[] shape, double low, double high)
    {
        var t = Zeros(shape);
        NormLabRandom.FillUniform(t.Data, low, high);
        return t;
    }

    /// <summary>Standard normal samples.</summary>
    public static Tensor RandN(params int[] shape)
    {
        var t = Zeros(shape);
        NormLabRandom.FillNormal(t.Data, 0, 1);
        return t;
    }

    /// <summary>Integers in [low, high), stored as float (class labels, token ids).</summary>
    public static Tensor RandInt(int low, int high, params int[] shape)
    {
        if (high <= low) throw new ArgumentException($"Tensor.RandInt: high ({high}) must be greater than low ({low}).");
        var t = Zeros(shape);
        for (int i = 0; i < t.Size; i++) t.Data[i] = NormLabRandom.NextInt(low, high);
        return t;
    }
}

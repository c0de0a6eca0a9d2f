namespace NormLab;

public sealed partial class Tensor
{
    /// <summary>A tensor holding a copy of <paramref name="data"/> with the given shape.</summary>
    /// <example><code>Tensor t = Tensor.FromArray(new float[] {1, 2, 3, 4}, 2, 2);</code></example>
    /// <param name="data">Row-major (C-order) values; its length must equal the product of <paramref name="shape"/>. The array is copied.</param>
    /// <param name="shape">Dimension sizes, outermost first; empty for a scalar.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="data"/> or <paramref name="shape"/> is null.</exception>
    /// <exception cref="ArgumentException">When a dimension of <paramref name="shape"/> is negative or the length of <paramref name="data"/> differs from the product of <paramref name="shape"/>.</exception>
    public static Tensor FromArray(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        Shapes.Validate(shape, "Tensor.FromArray");
        return new Tensor((float[])data.Clone(), shape);
    }

    /// <summary>A scalar (rank 0) tensor.</summary>
    /// <param name="value">The single value the tensor holds.</param>
    public static Tensor Scalar(float value) => new([value], []);

    /// <summary>All zeros.</summary>
    /// <param name="shape">Dimension sizes, outermost first; every size must be non-negative.</param>
    public static Tensor Zeros(params int[] shape) => Full(shape, 0f);

    /// <summary>All ones.</summary>
    /// <param name="shape">Dimension sizes, outermost first; every size must be non-negative.</param>
    public static Tensor Ones(params int[] shape) => Full(shape, 1f);

    /// <summary>Every value equal to <paramref name="value"/>.</summary>
    /// <param name="shape">Dimension sizes, outermost first; every size must be non-negative.</param>
    /// <param name="value">The fill value, rounded to float.</param>
    /// <exception cref="ArgumentException">When a dimension of <paramref name="shape"/> is negative.</exception>
    public static Tensor Full(int[] shape, double value)
    {
        Shapes.Validate(shape, "Tensor.Full");
        var data = new float[Shapes.SizeOf(shape)];
        if (value != 0) Array.Fill(data, (float)value);
        return new Tensor(data, shape);
    }

    /// <summary>Uniform samples in [0, 1).</summary>
    /// <param name="shape">Dimension sizes, outermost first. Draws come from <see cref="NormLabRandom"/>, so <c>NormLabRandom.SetSeed</c> makes them repeat.</param>
    public static Tensor Rand(params int[] shape) => RandUniform(shape, 0, 1);

    /// <summary>Uniform samples in [low, high).</summary>
    /// <param name="shape">Dimension sizes, outermost first.</param>
    /// <param name="low">Inclusive lower bound of the samples.</param>
    /// <param name="high">Exclusive upper bound of the samples.</param>
    /// <exception cref="ArgumentException">When low exceeds high or either is not finite.</exception>
    public static Tensor RandUniform(int[] shape, double low, double high)
    {
        if (!(low <= high) || !double.IsFinite(low) || !double.IsFinite(high))
            throw new ArgumentException($"Tensor.RandUniform: low ({low}) must not exceed high ({high}), and both must be finite.");
        var t = Zeros(shape);
        NormLabRandom.FillUniform(t.Data, low, high);
        return t;
    }

    /// <summary>Standard normal samples.</summary>
    /// <param name="shape">Dimension sizes, outermost first. Samples have mean 0 and standard deviation 1, drawn from <see cref="NormLabRandom"/>.</param>
    public static Tensor RandN(params int[] shape)
    {
        var t = Zeros(shape);
        NormLabRandom.FillNormal(t.Data, 0, 1);
        return t;
    }

    /// <summary>Integers in [low, high), stored as float (class labels, token ids).</summary>
    /// <param name="low">Inclusive lowest integer drawn.</param>
    /// <param name="high">Exclusive upper bound; must be greater than <paramref name="low"/>.</param>
    /// <param name="shape">Dimension sizes, outermost first.</param>
    /// <exception cref="ArgumentException">When <paramref name="high"/> is not greater than <paramref name="low"/>.</exception>
    public static Tensor RandInt(int low, int high, params int[] shape)
    {
        if (high <= low) throw new ArgumentException($"Tensor.RandInt: high ({high}) must be greater than low ({low}).");
        var t = Zeros(shape);
        for (int i = 0; i < t.Size; i++) t.Data[i] = NormLabRandom.NextInt(low, high);
        return t;
    }
}

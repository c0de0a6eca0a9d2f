namespace NormLab.Layers;

/// <summary>A (height, width) pair that accepts <c>3</c> or <c>(3, 3)</c>, as Keras accepts an int or a tuple.</summary>
/// <param name="Height">The size along the rows.</param>
/// <param name="Width">The size along the columns.</param>
public readonly record struct Size2(int Height, int Width)
{
    /// <summary>The same value for both dimensions.</summary>
    /// <param name="both">The size of both dimensions.</param>
    public static implicit operator Size2(int both) => new(both, both);

    /// <summary>A (height, width) tuple.</summary>
    /// <param name="pair">(height, width).</param>
    public static implicit operator Size2((int Height, int Width) pair) => new(pair.Height, pair.Width);

    /// <summary>[height, width], for configs.</summary>
    public int[] ToArray() => [Height, Width];

    internal static Size2 FromArray(int[] values) => values.Length == 1 ? new(values[0], values[0]) : new(values[0], values[1]);

    /// <inheritdoc/>
    public override string ToString() => $"({Height}, {Width})";
}

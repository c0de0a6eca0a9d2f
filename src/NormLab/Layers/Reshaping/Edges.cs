namespace NormLab.Layers;

/// <summary>Amounts at the two ends of one axis (padding or cropping): <c>1</c> for both ends or <c>(before, after)</c>, as Keras accepts.</summary>
/// <param name="Before">The amount at the start of the axis.</param>
/// <param name="After">The amount at the end of the axis.</param>
public readonly record struct Edges1(int Before, int After)
{
    /// <summary>The same amount at both ends.</summary>
    /// <param name="both">The amount at both ends.</param>
    public static implicit operator Edges1(int both) => new(both, both);

    /// <summary>(before, after).</summary>
    /// <param name="pair">(before, after).</param>
    public static implicit operator Edges1((int Before, int After) pair) => new(pair.Before, pair.After);

    /// <summary>[before, after], for configs.</summary>
    public int[] ToArray() => [Before, After];

    /// <summary>Both amounts.</summary>
    public int Total => Before + After;

    /// <inheritdoc/>
    public override string ToString() => $"({Before}, {After})";
}

/// <summary>
/// Amounts at the edges of an image (padding or cropping), as Keras accepts them: <c>1</c> everywhere,
/// <c>(h, w)</c> symmetric per axis, or <c>((top, bottom), (left, right))</c>.
/// </summary>
/// <param name="Height">The amounts at the top and the bottom.</param>
/// <param name="Width">The amounts at the left and the right.</param>
public readonly record struct Edges2(Edges1 Height, Edges1 Width)
{
    /// <summary>The same amount at every edge.</summary>
    /// <param name="all">The amount at every edge.</param>
    public static implicit operator Edges2(int all) => new(all, all);

    /// <summary>(h, w): h rows at the top and the bottom, w columns at the left and the right.</summary>
    /// <param name="symmetric">(rows at the top and the bottom, columns at the left and the right).</param>
    public static implicit operator Edges2((int Height, int Width) symmetric) => new(symmetric.Height, symmetric.Width);

    /// <summary>((top, bottom), (left, right)).</summary>
    /// <param name="edges">((top, bottom), (left, right)).</param>
    public static implicit operator Edges2(((int Top, int Bottom) Height, (int Left, int Right) Width) edges) => new(edges.Height, edges.Width);

    /// <inheritdoc/>
    public override string ToString() => $"({Height}, {Width})";
}

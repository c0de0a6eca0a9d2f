namespace NormLab.Data;

/// <summary>
/// A built-in image dataset that needs no files: 16x16x1 images of ten stroke patterns (horizontal,
/// vertical and diagonal bars, crosses, boxes, ...) at random positions with noise. Easy enough to
/// learn in a minute on a CPU, hard enough that a model must see spatial structure.
/// </summary>
public static class SyntheticShapes
{
    /// <summary>The number of classes.</summary>
    public const int Classes = 10;

    /// <summary>The image side length.</summary>
    public const int Size = 16;

    /// <summary>Images (n, 16, 16, 1) in [0, 1] and labels (n) in [0, 10), drawn from <see cref="NormLabRandom"/>.</summary>
    /// <param name="count">The number of images, >= 1.</param>
    /// <exception cref="ArgumentException">When <paramref name="count"/> is below 1.</exception>
    public static (Tensor images, Tensor labels) Generate(int count)
    {
        if (count < 1) throw new ArgumentException($"SyntheticShapes.Generate: count must be >= 1, received {count}.");
        var images = new float[count * Size * Size];
        var labels = new float[count];
        for (int i = 0; i < count; i++)
        {
            int label = NormLabRandom.NextInt(0, Classes);
            labels[i] = label;
            var image = images.AsSpan(i * Size * Size, Size * Size);
            int r = NormLabRandom.NextInt(3, Size - 3), c = NormLabRandom.NextInt(3, Size - 3);
            Draw(image, label, r, c);
            for (int p = 0; p < image.Length; p++)
                image[p] = Math.Clamp(image[p] + (float)(0.15 * NormLabRandom.NextDouble()), 0f, 1f);
        }
        return (Tensor.FromArray(images, count, Size, Size, 1), Tensor.FromArray(labels, count));
    }

    private static void Draw(Span<float> image, int label, int r, int c)
    {
        for (int k = -3; k <= 3; k++)
        {
            switch (label)
            {
                case 0: Set(image, r, c + k); break;                                   // horizontal bar
                case 1: Set(image, r + k, c); break;                                   // vertical bar
                case 2: Set(image, r + k, c + k); break;                               // diagonal
                case 3: Set(image, r + k, c - k); break;                               // anti-diagonal
                case 4: Set(image, r, c + k); Set(image, r + k, c); break;             // plus
                case 5: Set(image, r + k, c + k); Set(image, r + k, c - k); break;     // x
                case 6: Set(image, r - 3, c + k); Set(image, r + 3, c + k); Set(image, r + k, c - 3); Set(image, r + k, c + 3); break; // box
                case 7: Set(image, r - 2, c + k); Set(image, r + 2, c + k); break;     // two bars
                case 8: if (k <= 0) { Set(image, r + k, c); Set(image, r, c - k); } break; // corner
                default: Set(image, r + k / 2, c + k); Set(image, r - k / 2, c + k); break; // chevron
            }
        }
    }

    private static void Set(Span<float> image, int r, int c)
    {
        if (r >= 0 && r < Size && c >= 0 && c < Size) image[r * Size + c] = 1f;
    }
}

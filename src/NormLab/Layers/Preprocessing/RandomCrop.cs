using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Keras's RandomCrop: in training cuts a (height, width) window at a random position out of the images,
/// the same position for the whole batch, as Keras; at inference, and in training for images not larger
/// than the window, resizes as <c>Resizing(cropToAspectRatio: true)</c> does (Keras's documented behaviour).
/// </summary>
public sealed class RandomCrop : Layer
{
    private readonly SeedStream random;

    /// <summary>Creates the layer.</summary>
    /// <param name="height">Output height in pixels, positive.</param>
    /// <param name="width">Output width in pixels, positive.</param>
    /// <param name="seed">Seeds the layer's own random stream (Keras's seed); null draws from NormLabRandom.</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">Layer name (Keras <c>name</c>); default null gives a unique one from the class name in snake_case, numbered from the second layer of that class on (e.g. "re_lu", "re_lu_1").</param>
    /// <exception cref="ArgumentException">When <paramref name="height"/> or <paramref name="width"/> is below 1.</exception>
    public RandomCrop(int height, int width, int? seed = null, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        random = new SeedStream(seed);
        if (height < 1 || width < 1) throw new ArgumentException($"{Describe()}: height and width must be >= 1, received ({height}, {width}).");
        (Height, Width) = (height, width);
    }

    /// <summary>The output height.</summary>
    public int Height { get; }

    /// <summary>The output width.</summary>
    public int Width { get; }

    /// <summary>The seed of the layer's own random stream, or null (draws from NormLabRandom).</summary>
    public int? Seed => random.Seed;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        RequireRank(x, 4, 4);
        int dh = x.Dims[1] - Height, dw = x.Dims[2] - Width;
        if (!training || dh <= 0 || dw <= 0) return Resizing.CropAndResize(x, Height, Width, "bilinear", Describe());
        int top = random.NextInt(0, dh + 1), left = random.NextInt(0, dw + 1);
        return Ops.Slice(Ops.Slice(x, 1, top, Height), 2, left, Width);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 4, 4);
        return [inputShape[0], Height, Width, inputShape[3]];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["height"] = Height;
        config["width"] = Width;
        random.WriteTo(config);
        return config;
    }

    internal static RandomCrop FromConfig(JsonObject c) => new(c.GetInt("height", 1), c.GetInt("width", 1), SeedStream.Read(c), name: c.GetString("name"));
}

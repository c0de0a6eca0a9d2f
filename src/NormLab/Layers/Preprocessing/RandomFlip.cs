using System.Text.Json.Nodes;
using NormLab.Kernels;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Keras's RandomFlip: in training flips each image left-right and/or upside down, each with probability
/// 1/2; the identity at inference.
/// </summary>
public sealed class RandomFlip : Layer
{
    private readonly SeedStream random;
    private static readonly string[] Modes = ["horizontal", "vertical", "horizontal_and_vertical"];

    /// <summary>Creates the layer.</summary>
    /// <param name="mode">"horizontal", "vertical" or "horizontal_and_vertical" (Keras default).</param>
    /// <param name="seed">Seeds the layer's own random stream (Keras's seed); null draws from NormLabRandom.</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">Layer name (Keras <c>name</c>); default null gives a unique one from the class name in snake_case, numbered from the second layer of that class on (e.g. "re_lu", "re_lu_1").</param>
    /// <exception cref="ArgumentException">When <paramref name="mode"/> is not "horizontal", "vertical" or "horizontal_and_vertical".</exception>
    public RandomFlip(string mode = "horizontal_and_vertical", int? seed = null, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        random = new SeedStream(seed);
        if (!Modes.Contains(mode))
            throw new ArgumentException($"{Describe()}: mode must be one of {string.Join(", ", Modes.Select(m => $"\"{m}\""))}, received \"{mode}\".");
        Mode = mode;
    }

    /// <summary>"horizontal", "vertical" or "horizontal_and_vertical".</summary>
    public string Mode { get; }

    /// <summary>The seed of the layer's own random stream, or null (draws from NormLabRandom).</summary>
    public int? Seed => random.Seed;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        RequireRank(x, 4, 4);
        if (!training) return x;
        int n = x.Dims[0], h = x.Dims[1], w = x.Dims[2];
        var flipX = new bool[n];
        var flipY = new bool[n];
        for (int i = 0; i < n; i++)
        {
            flipX[i] = Mode != "vertical" && random.Uniform(0, 1) < 0.5;
            flipY[i] = Mode != "horizontal" && random.Uniform(0, 1) < 0.5;
        }
        var plan = ImageSampling.At(n, h, w, h, w,
            (i, y, x) => (flipY[i] ? h - 1 - y : y, flipX[i] ? w - 1 - x : x), bilinear: false, new FillMode("nearest"));
        return Ops.Sample(x, plan, h, w, 0);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 4, 4);
        return inputShape;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["mode"] = Mode;
        random.WriteTo(config);
        return config;
    }

    internal static RandomFlip FromConfig(JsonObject c) => new(c.GetString("mode", "horizontal_and_vertical")!, SeedStream.Read(c), name: c.GetString("name"));
}

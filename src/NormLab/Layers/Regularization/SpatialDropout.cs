using System.Text.Json.Nodes;

namespace NormLab.Layers;

/// <summary>
/// Dropout of whole feature maps (Keras's SpatialDropout1D/2D): in training each channel of each sample
/// is kept with probability 1 - rate across every position and scaled by 1 / (1 - rate), or zeroed;
/// the identity at inference.
/// </summary>
public abstract class SpatialDropout : Layer
{
    /// <inheritdoc/>
    public override bool SupportsMasking => true;

    private readonly int rank;
    private readonly SeedStream random;

    /// <summary>Stores the rate, the input rank and the channel axis.</summary>
    private protected SpatialDropout(double rate, int rank, bool channelsFirst, int? seed, int[]? inputShape, string? name) : base(name, inputShape)
    {
        random = new SeedStream(seed);
        Rate = DropoutRate.Check(rate, Describe());
        this.rank = rank;
        ChannelsFirst = channelsFirst;
    }

    /// <summary>The fraction of channels dropped in training.</summary>
    public double Rate { get; }

    /// <summary>The seed of the layer's own random stream, or null (draws from NormLabRandom).</summary>
    public int? Seed => random.Seed;

    /// <summary>Whether the channels are on axis 1 rather than last.</summary>
    private protected bool ChannelsFirst { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        RequireRank(x, rank, rank);
        if (!training || Rate == 0) return x;
        // One draw per (sample, channel), broadcast over the spatial axes.
        var noiseShape = Enumerable.Repeat(1, rank).ToArray();
        noiseShape[0] = x.Dims[0];
        int channelAxis = ChannelsFirst ? 1 : rank - 1;
        noiseShape[channelAxis] = x.Dims[channelAxis];
        var keep = DropoutRate.KeepMask(noiseShape, Rate, random);
        return Ops.Mul(x, Ops.Affine(keep, 1 / (1 - Rate)));
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, rank, rank);
        return inputShape;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["rate"] = Rate;
        random.WriteTo(config);
        return config;
    }
}

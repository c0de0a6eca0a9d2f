using System.Text.Json.Nodes;

namespace NormLab.Layers;

/// <summary>
/// Dropout of whole feature maps (Keras's SpatialDropout1D/2D): in training each channel of each sample
/// is kept with probability 1 - rate across every position and scaled by 1 / (1 - rate), or zeroed;
/// the identity at inference.
/// </summary>
public abstract class SpatialDropout : Layer
{
    private readonly int rank;

    /// <summary>Stores the rate, the input rank and the channel axis.</summary>
    private protected SpatialDropout(double rate, int rank, bool channelsFirst, int[]? inputShape, string? name) : base(name, inputShape)
    {
        Rate = DropoutRate.Check(rate, Describe());
        this.rank = rank;
        ChannelsFirst = channelsFirst;
    }

    /// <summary>The fraction of channels dropped in training.</summary>
    public double Rate { get; }

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
        var keep = DropoutRate.KeepMask(noiseShape, Rate);
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
        return config;
    }
}

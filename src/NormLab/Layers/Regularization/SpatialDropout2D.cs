using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>Keras's SpatialDropout2D: drops whole channels of images in training.</summary>
public sealed class SpatialDropout2D : SpatialDropout
{
    /// <summary>Creates the layer.</summary>
    /// <param name="rate">The fraction of channels dropped, in [0, 1).</param>
    /// <param name="dataFormat">"channels_last" (default, NHWC) or "channels_first" (NCHW).</param>
    /// <param name="seed">Seeds the layer's own random stream (Keras's seed); null draws from NormLabRandom.</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">Layer name (Keras <c>name</c>); default null gives a unique one from the class name in snake_case, numbered from the second layer of that class on (e.g. "re_lu", "re_lu_1").</param>
    public SpatialDropout2D(double rate, string dataFormat = "channels_last", int? seed = null, int[]? inputShape = null, string? name = null)
        : base(rate, 4, IsChannelsFirst(dataFormat, name), seed, inputShape, name) { }

    /// <summary>"channels_last" or "channels_first".</summary>
    public string DataFormat => ChannelsFirst ? "channels_first" : "channels_last";

    private static bool IsChannelsFirst(string dataFormat, string? name) => dataFormat switch
    {
        "channels_last" => false,
        "channels_first" => true,
        _ => throw new ArgumentException($"SpatialDropout2D '{name ?? "spatial_dropout2d"}': dataFormat must be \"channels_last\" or \"channels_first\", received \"{dataFormat}\"."),
    };

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["data_format"] = DataFormat;
        return config;
    }

    internal static SpatialDropout2D FromConfig(JsonObject c) =>
        new(c.GetDouble("rate", 0), c.GetString("data_format", "channels_last")!, SeedStream.Read(c), name: c.GetString("name"));
}

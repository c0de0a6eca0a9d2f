using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>Keras's SpatialDropout1D: drops whole channels of (batch, steps, channels) inputs in training.</summary>
public sealed class SpatialDropout1D : SpatialDropout
{
    /// <summary>Creates the layer.</summary>
    /// <param name="rate">The fraction of channels dropped, in [0, 1).</param>
    /// <param name="seed">Seeds the layer's own random stream (Keras's seed); null draws from NormLabRandom.</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">Layer name (Keras <c>name</c>); default null gives a unique one from the class name in snake_case, numbered from the second layer of that class on (e.g. "re_lu", "re_lu_1").</param>
    public SpatialDropout1D(double rate, int? seed = null, int[]? inputShape = null, string? name = null) : base(rate, 3, false, seed, inputShape, name) { }

    internal static SpatialDropout1D FromConfig(JsonObject c) => new(c.GetDouble("rate", 0), SeedStream.Read(c), name: c.GetString("name"));
}

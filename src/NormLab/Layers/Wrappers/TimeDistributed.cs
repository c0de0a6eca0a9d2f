using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Applies a layer to every time step of (batch, time, ...) on its own, as keras.layers.TimeDistributed: the
/// batch and time axes are folded into one, the layer runs once on (batch·time, ...), and the result is
/// unfolded. The weights are the wrapped layer's, shared by all steps; a mask on the input passes through.
/// </summary>
public sealed class TimeDistributed : Layer
{
    /// <summary>Wraps <paramref name="layer"/>.</summary>
    /// <param name="layer">The layer applied to each step (its input is one step: (batch, ...)).</param>
    /// <param name="inputShape">The shape of one sample (time, ...), for the first layer of a model.</param>
    /// <param name="name">The layer's name.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="layer"/> is null.</exception>
    public TimeDistributed(Layer layer, int[]? inputShape = null, string? name = null)
        : base(name, inputShape)
    {
        ArgumentNullException.ThrowIfNull(layer);
        Layer = AddSublayer(layer);
    }

    /// <summary>The wrapped layer.</summary>
    public Layer Layer { get; }

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        if (inputShape.Length < 3)
            throw new ArgumentException($"{Describe()}: expected input of rank >= 3 (batch, time, ...), received shape {Shapes.Format(inputShape)}.");
        Layer.Build(Folded(inputShape));
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        RequireRank(x, 3);
        var y = Layer.Call(Ops.Reshape(x, Folded(x.Shape)), training);
        var output = Ops.Reshape(y, [x.Dims[0], x.Dims[1], .. y.Shape[1..]]);
        output.Mask = x.Mask;
        return output;
    }

    private static int[] Folded(int[] shape) => [shape[0] * shape[1], .. shape[2..]];

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 3);
        var inner = Layer.ComputeOutputShape(Folded(inputShape));
        return [inputShape[0], inputShape[1], .. inner[1..]];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["layer"] = LayerRegistry.ToConfig(Layer);
        return config;
    }

    internal static TimeDistributed FromConfig(JsonObject c, Func<JsonObject, Layer> layerFromConfig) =>
        new(layerFromConfig((JsonObject)c["layer"]!), name: c.GetString("name"));
}

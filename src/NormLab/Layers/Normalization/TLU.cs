using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// The thresholded linear unit of Filter Response Normalization: <c>y = max(x, tau)</c> with a
/// learned threshold <c>tau</c> per channel (last axis), initialized to 0 (so it starts as ReLU).
/// </summary>
/// <remarks>Weights: <c>tau</c>. Where <c>x == tau</c> the gradient goes to tau (a subgradient).</remarks>
/// <example><code>model.Add(new FilterResponseNormalization(useTlu: false)); model.Add(new TLU());</code></example>
public sealed class TLU : Layer
{
    private int channels;

    /// <summary>Creates the layer.</summary>
    /// <param name="trainable">False freezes the layer's weights (and puts normalization layers in inference mode, as Keras 3).</param>
    /// <param name="inputShape">Optional input shape without the batch dimension, for the first layer of a model.</param>
    /// <param name="name">Optional layer name; a unique one from the class name when null.</param>
    public TLU(bool trainable = true, int[]? inputShape = null, string? name = null) : base(name, inputShape) => Trainable = trainable;

    /// <summary>The threshold, per channel.</summary>
    public Tensor? Tau { get; private set; }

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        if (inputShape.Length < 2)
            throw new ArgumentException($"{Describe()}: expected input of rank >= 2 (batch, ..., channels). Received input shape {Shapes.Format(inputShape)}.");
        channels = inputShape[^1];
        Tau = AddWeight("tau", [channels], "zeros");
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        RequireRank(x, 2);
        RequireLastDim(x, channels);
        return Apply(x, Tau!);
    }

    /// <summary>max(x, tau) written as relu(x - tau) + tau, so both get their gradients from existing ops.</summary>
    internal static Tensor Apply(Tensor x, Tensor tau) => Ops.Add(Ops.Relu(Ops.Sub(x, tau)), tau);

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => (int[])inputShape.Clone();

    internal static TLU FromConfig(JsonObject c) => new(c.GetBool("trainable", true), name: c.GetString("name"));
}

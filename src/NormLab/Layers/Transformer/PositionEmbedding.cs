using System.Text.Json.Nodes;
using NormLab.Initializers;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// A learned position embedding, as keras_hub's <c>PositionEmbedding</c>: for input of shape
/// (batch, length, features) it returns the first <c>length</c> rows of a trained
/// (sequenceLength, features) table, broadcast to the input's shape. Add it to the tokens:
/// <c>Ops.Add(tokens, positions.Call(tokens))</c> or with an <see cref="Add"/> layer.
/// </summary>
/// <remarks>Weight: <c>embeddings</c> (sequenceLength, features). Inputs shorter than
/// <see cref="SequenceLength"/> use its first rows; longer ones are an error.</remarks>
/// <example><code>var tokens = new PatchEmbedding(7, 64).Call(images);
/// var x = new Add().Call([tokens, new PositionEmbedding(16).Call(tokens)]);</code></example>
public sealed class PositionEmbedding : Layer
{
    private readonly Initializer initializer;

    /// <summary>Creates the layer.</summary>
    /// <param name="sequenceLength">The longest sequence the table holds (keras_hub's <c>sequence_length</c>); >= 1.</param>
    /// <param name="initializer">The table's initializer (glorot_uniform, as keras_hub).</param>
    /// <param name="trainable">Whether the table is trained.</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">The layer's name; "position_embedding", ... when omitted.</param>
    /// <exception cref="ArgumentException">When <paramref name="sequenceLength"/> is below 1.</exception>
    public PositionEmbedding(int sequenceLength, Initializer? initializer = null, bool trainable = true, int[]? inputShape = null, string? name = null)
        : base(name, inputShape)
    {
        if (sequenceLength < 1)
            throw new ArgumentException($"{Describe()}: sequenceLength must be >= 1, received {sequenceLength}.");
        SequenceLength = sequenceLength;
        this.initializer = initializer ?? "glorot_uniform";
        Trainable = trainable;
    }

    /// <summary>The number of positions in the table.</summary>
    public int SequenceLength { get; }
    /// <summary>The (sequenceLength, features) table (null before build).</summary>
    public Tensor? Embeddings { get; private set; }

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        RequireRank(inputShape, 3, 3);
        Embeddings = AddWeight("embeddings", [SequenceLength, inputShape[2]], initializer);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        RequireRank(x, 3, 3);
        RequireLastDim(x, Embeddings!.Dims[1]);
        int length = x.Dims[1];
        if (length > SequenceLength)
            throw new ArgumentException($"{Describe()}: the input has {length} positions (shape {Shapes.Format(x.Dims)}) but the table holds {SequenceLength}.");
        var rows = length == SequenceLength ? Embeddings : Ops.Slice(Embeddings, 0, 0, length);
        return Ops.Add(Tensor.Zeros(x.Shape), rows);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 3, 3);
        return (int[])inputShape.Clone();
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["sequence_length"] = SequenceLength;
        config["initializer"] = initializer.GetConfig();
        return config;
    }

    internal static PositionEmbedding FromConfig(JsonObject c) =>
        new(c.GetInt("sequence_length", 1), c["initializer"] is JsonNode init ? Initializer.FromConfig(init) : null, c.GetBool("trainable", true), name: c.GetString("name"));
}

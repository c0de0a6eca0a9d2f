using System.Text.Json.Nodes;
using NormLab.Initializers;
using NormLab.Regularizers;
using NormLab.Constraints;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Maps integer ids (stored as float) in [0, inputDim) to rows of a learned (inputDim, outputDim) table.
/// Input (batch, length) → output (batch, length, outputDim).
/// </summary>
public sealed class Embedding : Layer
{
    private readonly Initializer embeddingsInitializer;
    private readonly Regularizer? embeddingsRegularizer;
    private readonly Constraint? embeddingsConstraint;
    private Tensor? embeddings;

    /// <summary>Creates the layer; <paramref name="inputLength"/> fixes the sequence length like Keras 2's input_length.</summary>
    public Embedding(int inputDim, int outputDim, Initializer? embeddingsInitializer = null,
        Regularizer? embeddingsRegularizer = null, Constraint? embeddingsConstraint = null,
        int? inputLength = null, string? name = null)
        : base(name, inputLength is int length ? [length] : null)
    {
        if (inputDim < 1 || outputDim < 1)
            throw new ArgumentException($"{Describe()}: inputDim and outputDim must be >= 1, received inputDim {inputDim} and outputDim {outputDim}.");
        InputDim = inputDim;
        OutputDim = outputDim;
        InputLength = inputLength;
        this.embeddingsInitializer = embeddingsInitializer ?? "uniform";
        this.embeddingsRegularizer = embeddingsRegularizer;
        this.embeddingsConstraint = embeddingsConstraint;
    }

    /// <summary>The vocabulary size.</summary>
    public int InputDim { get; }
    /// <summary>The width of each embedding.</summary>
    public int OutputDim { get; }
    /// <summary>The declared sequence length, if any.</summary>
    public int? InputLength { get; }
    /// <summary>The (inputDim, outputDim) table, once built.</summary>
    public Tensor? Embeddings => embeddings;

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape) =>
        embeddings = AddWeight("embeddings", [InputDim, OutputDim], embeddingsInitializer, regularizer: embeddingsRegularizer, constraint: embeddingsConstraint);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var indices = new int[x.Size];
        for (int i = 0; i < indices.Length; i++)
        {
            float v = x.Data[i];
            if (!(v >= 0 && v < InputDim) || v != MathF.Floor(v))
                throw new ArgumentException($"{Describe()}: input value {v} at flat index {i} is not an integer id in [0, {InputDim}) (input shape {Shapes.Format(x.Dims)}).");
            indices[i] = (int)v;
        }
        return Ops.Gather(embeddings!, indices, x.Shape);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => [.. inputShape, OutputDim];

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["input_dim"] = InputDim;
        config["output_dim"] = OutputDim;
        config["input_length"] = InputLength;
        config["embeddings_initializer"] = embeddingsInitializer.GetConfig();
        config["embeddings_regularizer"] = embeddingsRegularizer?.GetConfig();
        config["embeddings_constraint"] = embeddingsConstraint?.GetConfig();
        return config;
    }

    internal static Embedding FromConfig(JsonObject c) => new(
        c.GetInt("input_dim", 1), c.GetInt("output_dim", 1), Initializer.FromConfig(c["embeddings_initializer"]),
        c["embeddings_regularizer"] is null ? null : Regularizer.FromConfig(c["embeddings_regularizer"]),
        c["embeddings_constraint"] is null ? null : Constraint.FromConfig(c["embeddings_constraint"]),
        c["input_length"] is null ? null : c.GetInt("input_length", 0), c.GetString("name"));
}

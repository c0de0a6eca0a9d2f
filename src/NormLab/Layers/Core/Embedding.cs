using System.Text.Json.Nodes;
using NormLab.Initializers;
using NormLab.Regularizers;
using NormLab.Constraints;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Maps integer ids (stored as float) in [0, inputDim) to rows of a learned (inputDim, outputDim) table.
/// Input (batch, length) → output (batch, length, outputDim). With <c>maskZero: true</c> id 0 is padding:
/// the output carries a <see cref="Tensor.Mask"/> (1 where the id is not 0) that recurrent and attention
/// layers use to skip the padded steps, as in Keras.
/// </summary>
public sealed class Embedding : Layer
{
    private readonly Initializer embeddingsInitializer;
    private readonly Regularizer? embeddingsRegularizer;
    private readonly Constraint? embeddingsConstraint;
    private Tensor? embeddings;

    /// <summary>Creates the layer; <paramref name="inputLength"/> fixes the sequence length like Keras 2's input_length.</summary>
    /// <param name="inputDim">The vocabulary size.</param>
    /// <param name="outputDim">The width of each embedding.</param>
    /// <param name="embeddingsInitializer">The table's initializer (Keras's default "uniform").</param>
    /// <param name="embeddingsRegularizer">An optional penalty on the table.</param>
    /// <param name="embeddingsConstraint">An optional projection of the table after each step.</param>
    /// <param name="inputLength">The sequence length, if fixed.</param>
    /// <param name="name">The layer's name.</param>
    /// <param name="maskZero">Whether id 0 is padding that later layers skip (Keras's mask_zero, default false).</param>
    /// <exception cref="ArgumentException">When <paramref name="inputDim"/> or <paramref name="outputDim"/> is below 1.</exception>
    public Embedding(int inputDim, int outputDim, Initializer? embeddingsInitializer = null,
        Regularizer? embeddingsRegularizer = null, Constraint? embeddingsConstraint = null,
        int? inputLength = null, string? name = null, bool maskZero = false)
        : base(name, inputLength is int length ? [length] : null)
    {
        if (inputDim < 1 || outputDim < 1)
            throw new ArgumentException($"{Describe()}: inputDim and outputDim must be >= 1, received inputDim {inputDim} and outputDim {outputDim}.");
        InputDim = inputDim;
        OutputDim = outputDim;
        InputLength = inputLength;
        MaskZero = maskZero;
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
    /// <summary>Whether id 0 is padding: the output then carries a <see cref="Tensor.Mask"/>.</summary>
    public bool MaskZero { get; }
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
        var output = Ops.Gather(embeddings!, indices, x.Shape);
        if (MaskZero) output.Mask = new Tensor(Array.ConvertAll(indices, id => id != 0 ? 1f : 0f), x.Shape);
        return output;
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
        config["mask_zero"] = MaskZero;
        config["embeddings_initializer"] = embeddingsInitializer.GetConfig();
        config["embeddings_regularizer"] = embeddingsRegularizer?.GetConfig();
        config["embeddings_constraint"] = embeddingsConstraint?.GetConfig();
        return config;
    }

    internal static Embedding FromConfig(JsonObject c) => new(
        c.GetInt("input_dim", 1), c.GetInt("output_dim", 1), Initializer.FromConfig(c["embeddings_initializer"]),
        c["embeddings_regularizer"] is null ? null : Regularizer.FromConfig(c["embeddings_regularizer"]),
        c["embeddings_constraint"] is null ? null : Constraint.FromConfig(c["embeddings_constraint"]),
        c["input_length"] is null ? null : c.GetInt("input_length", 0), c.GetString("name"), c.GetBool("mask_zero", false));
}

using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Splits NHWC images into non-overlapping square patches and projects each to a token, as a vision
/// transformer's stem: a <see cref="Conv2D"/> with kernel and stride equal to the patch size, its
/// output flattened from (batch, H/p, W/p, projectionDim) to (batch, H/p * W/p, projectionDim), row by row.
/// </summary>
/// <remarks>Weights: the convolution's <c>kernel</c> (p, p, channels, projectionDim) and <c>bias</c>
/// (projectionDim). Height and width must be multiples of the patch size (no pixel is silently dropped).</remarks>
/// <example><code>var tokens = new PatchEmbedding(patchSize: 7, projectionDim: 64).Call(new Input([28, 28, 1]));   // (None, 16, 64)</code></example>
public sealed class PatchEmbedding : Layer
{
    private readonly Conv2D projection;

    /// <summary>Creates the layer.</summary>
    /// <param name="patchSize">The side of a square patch, in pixels; >= 1.</param>
    /// <param name="projectionDim">The size of each token; >= 1.</param>
    /// <param name="trainable">Whether the projection is trained.</param>
    /// <param name="inputShape">The shape of one image (height, width, channels), for the first layer of a model.</param>
    /// <param name="name">The layer's name; "patch_embedding", ... when omitted.</param>
    /// <exception cref="ArgumentException">When <paramref name="patchSize"/> or <paramref name="projectionDim"/> is below 1.</exception>
    public PatchEmbedding(int patchSize, int projectionDim, bool trainable = true, int[]? inputShape = null, string? name = null)
        : base(name, inputShape)
    {
        if (patchSize < 1 || projectionDim < 1)
            throw new ArgumentException($"{Describe()}: patchSize and projectionDim must be >= 1, received {patchSize} and {projectionDim}.");
        PatchSize = patchSize;
        ProjectionDim = projectionDim;
        projection = AddSublayer(new Conv2D(projectionDim, patchSize, strides: patchSize, name: $"{Name}_projection"));
        Trainable = trainable;
    }

    /// <summary>The side of a patch.</summary>
    public int PatchSize { get; }
    /// <summary>The size of each token.</summary>
    public int ProjectionDim { get; }

    /// <summary>The strided convolution that projects the patches.</summary>
    internal Conv2D Projection => projection;

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        CheckImageShape(inputShape);
        projection.Build(inputShape);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        CheckImageShape(x.Dims);
        var grid = projection.Call(x, training);
        return Ops.Reshape(grid, grid.Dims[0], grid.Dims[1] * grid.Dims[2], ProjectionDim);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        CheckImageShape(inputShape);
        return [inputShape[0], inputShape[1] / PatchSize * (inputShape[2] / PatchSize), ProjectionDim];
    }

    private void CheckImageShape(ReadOnlySpan<int> shape)
    {
        RequireRank(shape, 4, 4);
        if (shape[1] % PatchSize != 0 || shape[2] % PatchSize != 0 || shape[1] == 0 || shape[2] == 0)
            throw new ArgumentException($"{Describe()}: height and width must be positive multiples of the patch size {PatchSize}, received input of shape {Shapes.Format(shape)}.");
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["patch_size"] = PatchSize;
        config["projection_dim"] = ProjectionDim;
        return config;
    }

    internal static PatchEmbedding FromConfig(JsonObject c) =>
        new(c.GetInt("patch_size", 1), c.GetInt("projection_dim", 1), c.GetBool("trainable", true), name: c.GetString("name"));
}

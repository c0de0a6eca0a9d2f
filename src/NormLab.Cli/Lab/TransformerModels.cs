using NormLab.Layers;

namespace NormLab.Cli.Lab;

/// <summary>
/// The lab's transformers on 28×28 images: `--arch vit`, a small vision transformer (7×7 patches as 16 tokens of
/// dimension 64), and `--arch transformer`, the 28 image rows as a 28-token sequence projected to dimension 64.
/// Both add a learned position embedding, run 4 TransformerEncoder blocks (4 heads, intermediate dimension 128),
/// average the tokens and classify with Dense(classes). The normalization and its placement are the block's.
/// </summary>
internal static class TransformerModels
{
    private const int Dim = 64, Blocks = 4, Heads = 4, IntermediateDim = 128, PatchSize = 7;

    /// <summary>The TransformerEncoder normalizations that --norms can name for these architectures.</summary>
    private static readonly string[] BlockNorms = ["layer", "rms", "dyt", "scale", "batch", "none"];

    internal static Model Build(string arch, NormalizationCatalog.Entry norm, Placement placement, int[] imageShape, int classes)
    {
        if (!BlockNorms.Contains(norm.BaseKey))
            throw new ArgumentException($"--norms {norm.BaseKey} is not available for --arch {arch}; expected one of {string.Join(", ", BlockNorms)}.");
        string normPlacement = placement switch
        {
            Placement.Post => "post",
            Placement.Pre => "pre",
            Placement.Sandwich => "sandwich",
            _ => throw new ArgumentException($"--arch {arch} takes --placement post, pre or sandwich, received '{placement.ToString().ToLowerInvariant()}'."),
        };
        Input input;
        SymbolicTensor tokens;
        if (arch == "vit")
        {
            input = new Input(imageShape, name: "images");
            tokens = new PatchEmbedding(PatchSize, Dim, name: "patch_embedding").Call(input);
        }
        else
        {
            input = new Input([imageShape[0], imageShape[1] * imageShape[2]], name: "rows");
            tokens = new Dense(Dim, name: "row_embedding").Call(input);
        }
        var x = new Add(name: "add_positions").Call([tokens, new PositionEmbedding(tokens.Shape[0], name: "position_embedding").Call(tokens)]);
        for (int i = 1; i <= Blocks; i++)
            x = new TransformerEncoder(IntermediateDim, Heads, normalization: norm.BaseKey, normPlacement: normPlacement,
                qkNorm: norm.QkNorm, name: $"block_{i}").Call(x);
        // Pre-norm residual streams are never normalized inside the blocks: one final normalization, as in ViT.
        if (placement != Placement.Post && norm.Create(new NormSite(3, Dim, $"{norm.BaseKey}_final")) is { } final)
            x = final.Call(x);
        x = new GlobalAveragePooling1D(name: "token_mean").Call(x);
        var output = new Dense(classes, activation: "softmax", name: "output").Call(x);
        return new Model(input, output, name: $"{arch}_{norm.Key}");
    }
}

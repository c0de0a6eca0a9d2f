using NormLab.Layers;

namespace NormLab.Cli.Lab;

/// <summary>Where the normalization goes: before or after the activation (cnn, mlp), or where in a transformer
/// block's residual branches (vit, transformer: see <see cref="TransformerEncoder"/>).</summary>
internal enum Placement { Before, After, Post, Pre, Sandwich }

/// <summary>The networks `normlab compare` trains, each with a normalization slot after every hidden layer.</summary>
internal static class Architectures
{
    internal static readonly string[] Names = ["cnn", "mlp", "rnn", "vit", "transformer", "resnet", "plain-mlp", "plain-cnn"];

    /// <summary>The plain (non-residual) deep nets whose number of normalized hidden layers --depths sets.</summary>
    internal static bool HasDepth(string arch) => arch is "plain-mlp" or "plain-cnn";

    /// <summary>The deepest plain net --depths accepts: deeper ones take hours per epoch on a CPU.</summary>
    internal const int MaxDepth = 100;

    /// <summary>The depths a plain net is trained at when --depths is not given.</summary>
    internal static readonly IReadOnlyList<int> DefaultDepths = [2, 8];

    /// <summary>Whether the placement matters for the architecture (the RNN has no activation between its LSTMs).</summary>
    internal static bool HasPlacement(string arch) => arch != "rnn";

    /// <summary>Whether the architecture is made of transformer blocks (placements post, pre, sandwich).</summary>
    internal static bool IsTransformer(string arch) => arch is "vit" or "transformer";

    /// <summary>The placement used when --placement is not given.</summary>
    internal static string DefaultPlacement(string arch) => IsTransformer(arch) ? "pre" : "before";

    /// <summary>The input of one sample: images (h, w, c) for cnn, mlp and vit, rows as a sequence (h, w·c) for rnn and transformer.</summary>
    internal static Tensor Shape(string arch, Tensor images)
    {
        if (arch is not ("rnn" or "transformer")) return images;
        int n = images.Dim(0), h = images.Dim(1), w = images.Dim(2) * images.Dim(3);
        return images.Reshape(n, h, w);
    }

    /// <summary>Builds the network for one normalization; <paramref name="imageShape"/> is (h, w, c). <paramref name="depth"/>
    /// is the number of normalized hidden layers of plain-mlp and plain-cnn (which need it) and must be null for the others.</summary>
    internal static Model Build(string arch, NormalizationCatalog.Entry norm, Placement placement, int[] imageShape, int classes, int? depth = null)
    {
        if (HasDepth(arch) != depth.HasValue)
            throw new ArgumentException(depth.HasValue ? $"a depth (compare --depths, train --depth) applies to --arch plain-mlp and plain-cnn, not --arch {arch}."
                : $"--arch {arch} needs a depth (compare --depths, train --depth).");
        if (IsTransformer(arch)) return TransformerModels.Build(arch, norm, placement, imageShape, classes);
        if (placement is not (Placement.Before or Placement.After))
            throw new ArgumentException($"--placement {placement.ToString().ToLowerInvariant()} is for --arch vit and transformer; --arch {arch} takes before or after.");
        if (arch == "resnet") return ResNetModel.Build(norm, placement, imageShape, classes);
        var layers = new List<Layer>();
        int slot = 0;
        void Normalized(Layer hidden, int rank, int channels, string activation)
        {
            if (rank < norm.MinRank)
                throw new ArgumentException($"--norms {norm.Key} needs inputs of rank >= {norm.MinRank} (spatial or time axes) but --arch {arch} places it after a layer with output rank {rank}.");
            var site = new NormSite(rank, channels, $"{norm.Key}_{++slot}");
            layers.Add(norm.Wrap == null ? hidden : norm.Wrap(hidden, site));
            var layer = norm.Create(site);
            if (placement == Placement.Before)
            {
                if (layer != null) layers.Add(layer);
                layers.Add(new Activation(activation, name: $"{activation}_{slot}"));
            }
            else
            {
                layers.Add(new Activation(activation, name: $"{activation}_{slot}"));
                if (layer != null) layers.Add(layer);
            }
        }
        // Keras practice: a layer followed by a normalization needs no bias (the norm's beta replaces it).
        bool bias = norm.Key == "none" || norm.Wrap != null || placement == Placement.After;
        switch (arch)
        {
            case "cnn":
                Normalized(new Conv2D(32, (3, 3), padding: "same", useBias: bias, inputShape: imageShape, name: "conv_1"), 4, 32, "relu");
                layers.Add(new MaxPooling2D((2, 2), name: "pool_1"));
                Normalized(new Conv2D(64, (3, 3), padding: "same", useBias: bias, name: "conv_2"), 4, 64, "relu");
                layers.Add(new MaxPooling2D((2, 2), name: "pool_2"));
                layers.Add(new Flatten(name: "flatten"));
                layers.Add(new Dense(128, activation: "relu", name: "dense_1"));
                layers.Add(new Dense(classes, activation: "softmax", name: "output"));
                break;
            case "mlp":
                layers.Add(new Flatten(inputShape: imageShape, name: "flatten"));
                Normalized(new Dense(256, useBias: bias, name: "dense_1"), 2, 256, "relu");
                Normalized(new Dense(128, useBias: bias, name: "dense_2"), 2, 128, "relu");
                layers.Add(new Dense(classes, activation: "softmax", name: "output"));
                break;
            // Plain deep nets (He et al.'s "plain" baseline): depth normalized hidden layers and the output, no shortcuts.
            case "plain-mlp":
                layers.Add(new Flatten(inputShape: imageShape, name: "flatten"));
                for (int i = 1; i <= depth; i++) Normalized(new Dense(64, useBias: bias, name: $"dense_{i}"), 2, 64, "relu");
                layers.Add(new Dense(classes, activation: "softmax", name: "output"));
                break;
            case "plain-cnn":
                // The first convolution halves the image (stride 2), so that deep stacks stay cheap.
                for (int i = 1; i <= depth; i++)
                    Normalized(i == 1 ? new Conv2D(16, (3, 3), strides: (2, 2), padding: "same", useBias: bias, inputShape: imageShape, name: "conv_1")
                        : new Conv2D(16, (3, 3), padding: "same", useBias: bias, name: $"conv_{i}"), 4, 16, "relu");
                layers.Add(new Flatten(name: "flatten"));
                layers.Add(new Dense(classes, activation: "softmax", name: "output"));
                break;
            case "rnn":
                if (norm.Wrap != null)
                    throw new ArgumentException($"--norms {norm.Key} wraps Conv2D and Dense layers; --arch rnn has only LSTMs before its output.");
                int[] sequence = [imageShape[0], imageShape[1] * imageShape[2]];
                layers.Add(new LSTM(64, returnSequences: true, inputShape: sequence, name: "lstm_1"));
                var between = norm.Create(new NormSite(3, 64, $"{norm.Key}_1"));
                if (between != null) layers.Add(between);
                layers.Add(new LSTM(64, name: "lstm_2"));
                layers.Add(new Dense(classes, activation: "softmax", name: "output"));
                break;
            default:
                throw new ArgumentException($"unknown --arch '{arch}'; expected one of {string.Join(", ", Names)}.");
        }
        var model = new Sequential(layers, name: $"{arch}_{norm.Key}");
        // A wrapper as first layer hides the input shape from Sequential: build now, so parameters can be counted.
        if (!model.Built) model.Build([1, .. (arch == "rnn" ? new[] { imageShape[0], imageShape[1] * imageShape[2] } : imageShape)]);
        return model;
    }
}

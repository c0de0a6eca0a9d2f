using NormLab.Layers;

namespace NormLab.Cli.Lab;

/// <summary>
/// `--arch resnet`: a ResNet-8 for 28×28 images, a functional graph. A 3×3 convolution of 16 channels, three stages of
/// one basic block each (16, 32, 64 channels at strides 1, 2, 2), global average pooling and Dense(classes).
/// A basic block is He et al.'s: conv 3×3, norm, ReLU, conv 3×3, norm, added to the shortcut (the identity, or a
/// strided 1×1 convolution and a norm where the shape changes), ReLU. The norm under test sits where BatchNorm sits.
/// With <see cref="Placement.After"/> each norm moves behind the ReLU that follows it (the second one behind the ReLU
/// after the addition); the shortcut's norm has no ReLU of its own and stays after its convolution.
/// </summary>
internal static class ResNetModel
{
    private static readonly (int Channels, int Stride)[] Stages = [(16, 1), (32, 2), (64, 2)];

    internal static Model Build(NormalizationCatalog.Entry norm, Placement placement, int[] imageShape, int classes)
    {
        int slot = 0;
        bool normalizes = norm.Key != "none" && norm.Wrap == null;
        // Keras practice: a convolution followed by a normalization needs no bias (the norm's beta replaces it).
        bool biasBeforeRelu = !normalizes || placement == Placement.After;

        SymbolicTensor Conv(SymbolicTensor x, int channels, int kernel, int stride, bool bias, string name)
        {
            Layer conv = new Conv2D(channels, (kernel, kernel), strides: (stride, stride), padding: "same", useBias: bias, name: name);
            if (norm.Wrap != null) conv = norm.Wrap(conv, new NormSite(4, channels, $"{norm.Key}_{name}"));
            return conv.Call(x);
        }
        SymbolicTensor Norm(SymbolicTensor x, int channels) =>
            norm.Create(new NormSite(4, channels, $"{norm.Key}_{++slot}")) is { } layer ? layer.Call(x) : x;
        SymbolicTensor Relu(SymbolicTensor x) => new Activation("relu", name: $"relu_{++slot}").Call(x);
        // Norm then ReLU (before) or ReLU then norm (after).
        SymbolicTensor NormRelu(SymbolicTensor x, int channels) =>
            placement == Placement.Before ? Relu(Norm(x, channels)) : Norm(Relu(x), channels);

        var input = new Input(imageShape, name: "images");
        var h = NormRelu(Conv(input, Stages[0].Channels, 3, 1, biasBeforeRelu, "stem"), Stages[0].Channels);
        int inChannels = Stages[0].Channels;
        for (int i = 0; i < Stages.Length; i++)
        {
            var (channels, stride) = Stages[i];
            string block = $"block_{i + 1}";
            var branch = NormRelu(Conv(h, channels, 3, stride, biasBeforeRelu, $"{block}_conv_1"), channels);
            branch = Conv(branch, channels, 3, 1, biasBeforeRelu, $"{block}_conv_2");
            if (placement == Placement.Before) branch = Norm(branch, channels);
            var shortcut = stride == 1 && channels == inChannels ? h
                : Norm(Conv(h, channels, 1, stride, !normalizes, $"{block}_shortcut"), channels);
            h = new Add(name: $"{block}_add").Call([branch, shortcut]);
            h = placement == Placement.Before ? Relu(h) : Norm(Relu(h), channels);
            inChannels = channels;
        }
        h = new GlobalAveragePooling2D(name: "pool").Call(h);
        var output = new Dense(classes, activation: "softmax", name: "output").Call(h);
        return new Model(input, output, name: $"resnet_{norm.Key}");
    }
}

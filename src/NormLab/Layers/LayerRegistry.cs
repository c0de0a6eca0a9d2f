using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Every layer class that can be saved, by its class name, with the function that rebuilds it from
/// <see cref="Layer.GetConfig"/>. Listed explicitly (no reflection); a new layer adds its line here.
/// </summary>
internal static class LayerRegistry
{
    private static readonly Dictionary<string, Func<JsonObject, Layer>> Factories = new()
    {
        ["Dense"] = Dense.FromConfig,
        ["Activation"] = Activation.FromConfig,
        ["Dropout"] = Dropout.FromConfig,
        ["Flatten"] = Flatten.FromConfig,
        ["Embedding"] = Embedding.FromConfig,
        ["Conv2D"] = Conv2D.FromConfig,
        ["LSTM"] = LSTM.FromConfig,
        ["MaxPooling2D"] = MaxPooling2D.FromConfig,
        ["MaxPool2D"] = MaxPooling2D.FromConfig,
        ["AveragePooling2D"] = AveragePooling2D.FromConfig,
        ["GlobalAveragePooling2D"] = GlobalAveragePooling2D.FromConfig,
        ["Add"] = Add.FromConfig,
        ["Concatenate"] = Concatenate.FromConfig,
        ["BatchNormalization"] = BatchNormalization.FromConfig,
        ["LayerNormalization"] = LayerNormalization.FromConfig,
        ["GroupNormalization"] = GroupNormalization.FromConfig,
        ["Normalization"] = Normalization.FromConfig,
        ["UnitNormalization"] = UnitNormalization.FromConfig,
        ["RMSNormalization"] = RMSNormalization.FromConfig,
        ["SpectralNormalization"] = c => SpectralNormalization.FromConfig(c, FromConfig),
        // Beyond Keras (issue 4, part A)
        ["InstanceNormalization"] = InstanceNormalization.FromConfig,
        ["GhostBatchNormalization"] = GhostBatchNormalization.FromConfig,
        ["FilterResponseNormalization"] = FilterResponseNormalization.FromConfig,
        ["TLU"] = TLU.FromConfig,
        ["EvoNormB0"] = EvoNormB0.FromConfig,
        ["EvoNormS0"] = EvoNormS0.FromConfig,
        ["LocalResponseNormalization"] = LocalResponseNormalization.FromConfig,
        // Modern normalizations and transformer parts
        ["DynamicTanh"] = DynamicTanh.FromConfig,
        ["ScaleNorm"] = ScaleNorm.FromConfig,
        ["LayerScale"] = LayerScale.FromConfig,
        ["PositionEmbedding"] = PositionEmbedding.FromConfig,
        ["PatchEmbedding"] = PatchEmbedding.FromConfig,
        ["TransformerEncoder"] = TransformerEncoder.FromConfig,
        ["WeightStandardization"] = c => WeightStandardization.FromConfig(c, FromConfig),
        // Beyond Keras (B): weight norm, mean-only BN, batch-instance and switchable normalization.
        ["WeightNormalization"] = c => WeightNormalization.FromConfig(c, FromConfig),
        ["MeanOnlyBatchNormalization"] = MeanOnlyBatchNormalization.FromConfig,
        ["BatchInstanceNormalization"] = BatchInstanceNormalization.FromConfig,
        ["SwitchableNormalization"] = SwitchableNormalization.FromConfig,
        // Operators of imported ONNX graphs that no Keras layer covers.
        ["OnnxTranspose"] = Onnx.Import.OnnxTranspose.FromConfig,
        ["OnnxReshape"] = Onnx.Import.OnnxReshape.FromConfig,
        ["OnnxConstantOperation"] = Onnx.Import.OnnxConstantOperation.FromConfig,
        ["OnnxBinaryOperation"] = Onnx.Import.OnnxBinaryOperation.FromConfig,
        ["OnnxUnaryOperation"] = Onnx.Import.OnnxUnaryOperation.FromConfig,
        ["OnnxReduceMean"] = Onnx.Import.OnnxReduceMean.FromConfig,
        ["OnnxGather"] = Onnx.Import.OnnxGather.FromConfig,
        ["OnnxMatMul"] = Onnx.Import.OnnxMatMul.FromConfig,
        ["OnnxSlice"] = Onnx.Import.OnnxSlice.FromConfig,
        // Activation layers (issue 20).
        ["ReLU"] = ReLU.FromConfig,
        ["LeakyReLU"] = LeakyReLU.FromConfig,
        ["PReLU"] = PReLU.FromConfig,
        ["ELU"] = ELU.FromConfig,
        ["Softmax"] = Softmax.FromConfig,
        // Regularization layers (issue 20).
        ["SpatialDropout1D"] = SpatialDropout1D.FromConfig,
        ["SpatialDropout2D"] = SpatialDropout2D.FromConfig,
        ["GaussianNoise"] = GaussianNoise.FromConfig,
        ["GaussianDropout"] = GaussianDropout.FromConfig,
        ["AlphaDropout"] = AlphaDropout.FromConfig,
        ["ActivityRegularization"] = ActivityRegularization.FromConfig,
        // Preprocessing and augmentation layers (issue 20).
        ["Rescaling"] = Rescaling.FromConfig,
        ["Resizing"] = Resizing.FromConfig,
        ["CenterCrop"] = CenterCrop.FromConfig,
        ["RandomCrop"] = RandomCrop.FromConfig,
        ["RandomFlip"] = RandomFlip.FromConfig,
        ["RandomTranslation"] = RandomTranslation.FromConfig,
        ["RandomRotation"] = RandomRotation.FromConfig,
        ["RandomZoom"] = RandomZoom.FromConfig,
        ["RandomContrast"] = RandomContrast.FromConfig,
        ["RandomBrightness"] = RandomBrightness.FromConfig,
        // Recurrent and attention layers (issue 20).
        ["GRU"] = GRU.FromConfig,
        ["SimpleRNN"] = SimpleRNN.FromConfig,
        ["Bidirectional"] = c => Bidirectional.FromConfig(c, FromConfig),
        ["TimeDistributed"] = c => TimeDistributed.FromConfig(c, FromConfig),
        ["MultiHeadAttention"] = MultiHeadAttention.FromConfig,
        ["Attention"] = Attention.FromConfig,
        ["AdditiveAttention"] = AdditiveAttention.FromConfig,
        // Convolution, pooling, reshaping and merging (issue 20).
        ["Conv1D"] = Conv1D.FromConfig,
        ["Conv1DTranspose"] = Conv1DTranspose.FromConfig,
        ["Conv2DTranspose"] = Conv2DTranspose.FromConfig,
        ["DepthwiseConv1D"] = DepthwiseConv1D.FromConfig,
        ["DepthwiseConv2D"] = DepthwiseConv2D.FromConfig,
        ["SeparableConv1D"] = SeparableConv1D.FromConfig,
        ["SeparableConv2D"] = SeparableConv2D.FromConfig,
        ["MaxPooling1D"] = MaxPooling1D.FromConfig,
        ["AveragePooling1D"] = AveragePooling1D.FromConfig,
        ["GlobalAveragePooling1D"] = GlobalAveragePooling1D.FromConfig,
        ["GlobalMaxPooling1D"] = GlobalMaxPooling1D.FromConfig,
        ["GlobalMaxPooling2D"] = GlobalMaxPooling2D.FromConfig,
        ["Reshape"] = Reshape.FromConfig,
        ["Permute"] = Permute.FromConfig,
        ["RepeatVector"] = RepeatVector.FromConfig,
        ["UpSampling1D"] = UpSampling1D.FromConfig,
        ["UpSampling2D"] = UpSampling2D.FromConfig,
        ["ZeroPadding1D"] = ZeroPadding1D.FromConfig,
        ["ZeroPadding2D"] = ZeroPadding2D.FromConfig,
        ["Cropping1D"] = Cropping1D.FromConfig,
        ["Cropping2D"] = Cropping2D.FromConfig,
        ["Multiply"] = Multiply.FromConfig,
        ["Average"] = Average.FromConfig,
        ["Subtract"] = Subtract.FromConfig,
        ["Maximum"] = Maximum.FromConfig,
        ["Minimum"] = Minimum.FromConfig,
        ["Dot"] = Dot.FromConfig,
        ["Sequential"] = c => Sequential.FromConfig(c),
        ["Model"] = c => Model.FromConfig(c),
    };

    /// <summary>The class names that rebuild from a saved config.</summary>
    internal static IReadOnlyCollection<string> ClassNames => Factories.Keys;

    /// <summary>
    /// <c>{"class_name": ..., "config": ...}</c> for a layer; a user class (outside NormLab) also gets Keras's
    /// "registered_name" when it is marked [RegisterSerializable], and is rebuilt by <see cref="CustomObjects"/>.
    /// </summary>
    internal static JsonObject ToConfig(Layer layer)
    {
        var type = layer.GetType();
        bool isUserClass = type.Assembly != typeof(Layer).Assembly;
        if (!isUserClass && !Factories.ContainsKey(type.Name))
            throw new NotSupportedException($"Layer '{layer.Name}' of type {type.Name} cannot be saved: it is not in NormLab's layer registry.");
        var node = new JsonObject { ["class_name"] = type.Name, ["config"] = layer.GetConfig() };
        if (isUserClass && CustomObjects.RegisteredName(type) is string registered) node["registered_name"] = registered;
        return node;
    }

    /// <summary>Rebuilds a layer from <see cref="ToConfig"/>'s output (user classes through customObjects or registration).</summary>
    internal static Layer FromConfig(JsonObject node)
    {
        var className = node["class_name"]?.GetValue<string>()
            ?? throw new FormatException("A saved layer has no class_name.");
        var config = node["config"] as JsonObject ?? throw new FormatException($"Saved layer '{className}' has no config.");
        var custom = CustomObjects.Find(className, node["registered_name"]?.GetValue<string>());
        Layer layer;
        if (custom != null)
            layer = CustomObjects.Create(custom, config) as Layer ?? throw new FormatException($"Custom object '{className}' ({custom.FullName}) is not a Layer.");
        else if (Factories.TryGetValue(className, out var factory))
            layer = factory(config);
        else if (CustomObjects.FindByClassName(className) is Type registered)
            layer = CustomObjects.Create(registered, config) as Layer ?? throw new FormatException($"Custom object '{className}' ({registered.FullName}) is not a Layer.");
        else
            throw new FormatException(CustomObjects.HowToRegister(className));
        // Only a frozen layer is set: setting true on a model would unfreeze the frozen layers inside it.
        if (config["trainable"]?.GetValue<bool>() == false) layer.Trainable = false;
        return layer;
    }
}

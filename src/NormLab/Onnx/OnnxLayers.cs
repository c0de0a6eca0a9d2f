using NormLab.Layers;

namespace NormLab.Onnx;

/// <summary>
/// The ONNX form of each layer class, in one table: a function from the layer and its inputs to its
/// output in the graph. Each family's functions live in their own file (CoreExport, ConvolutionExport,
/// NormalizationExport, RecurrentExport); models used as layers are written inline.
/// </summary>
internal static class OnnxLayers
{
    internal delegate OnnxValue Exporter(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs);

    private static readonly Dictionary<Type, Exporter> Exporters = new()
    {
        [typeof(Dense)] = CoreExport.Dense,
        [typeof(Activation)] = CoreExport.Activation,
        [typeof(Dropout)] = CoreExport.Identity,
        [typeof(Flatten)] = CoreExport.Flatten,
        [typeof(Embedding)] = CoreExport.Embedding,
        [typeof(Add)] = CoreExport.Add,
        [typeof(Concatenate)] = CoreExport.Concatenate,
        [typeof(LSTM)] = RecurrentExport.Recurrent,
        [typeof(GRU)] = RecurrentExport.Recurrent,
        [typeof(SimpleRNN)] = RecurrentExport.Recurrent,
        [typeof(Bidirectional)] = RecurrentExport.Bidirectional,
        [typeof(TimeDistributed)] = RecurrentExport.TimeDistributed,
        [typeof(MultiHeadAttention)] = AttentionExport.MultiHeadAttention,
        [typeof(TransformerEncoder)] = AttentionExport.TransformerEncoder,
        [typeof(Reshape)] = ShapeAndMergeExport.Reshape,
        [typeof(Permute)] = ShapeAndMergeExport.Permute,
        [typeof(RepeatVector)] = ShapeAndMergeExport.RepeatVector,
        [typeof(UpSampling1D)] = ShapeAndMergeExport.UpSampling,
        [typeof(UpSampling2D)] = ShapeAndMergeExport.UpSampling,
        [typeof(ZeroPadding1D)] = ShapeAndMergeExport.ZeroPadding,
        [typeof(ZeroPadding2D)] = ShapeAndMergeExport.ZeroPadding,
        [typeof(Cropping1D)] = ShapeAndMergeExport.Cropping,
        [typeof(Cropping2D)] = ShapeAndMergeExport.Cropping,
        [typeof(Multiply)] = ShapeAndMergeExport.Elementwise,
        [typeof(Average)] = ShapeAndMergeExport.Elementwise,
        [typeof(Subtract)] = ShapeAndMergeExport.Elementwise,
        [typeof(Maximum)] = ShapeAndMergeExport.Elementwise,
        [typeof(Minimum)] = ShapeAndMergeExport.Elementwise,
        [typeof(Dot)] = ShapeAndMergeExport.Dot,
        [typeof(Conv1D)] = ConvolutionExport.Conv,
        [typeof(Conv2D)] = ConvolutionExport.Conv,
        [typeof(DepthwiseConv1D)] = ConvolutionExport.DepthwiseConv,
        [typeof(DepthwiseConv2D)] = ConvolutionExport.DepthwiseConv,
        [typeof(SeparableConv1D)] = ConvolutionExport.SeparableConv,
        [typeof(SeparableConv2D)] = ConvolutionExport.SeparableConv,
        [typeof(Conv1DTranspose)] = ConvolutionExport.ConvTranspose,
        [typeof(Conv2DTranspose)] = ConvolutionExport.ConvTranspose,
        [typeof(MaxPooling2D)] = ConvolutionExport.Pooling,
        [typeof(MaxPool2D)] = ConvolutionExport.Pooling,
        [typeof(AveragePooling2D)] = ConvolutionExport.Pooling,
        [typeof(MaxPooling1D)] = ConvolutionExport.Pooling,
        [typeof(AveragePooling1D)] = ConvolutionExport.Pooling,
        [typeof(GlobalAveragePooling1D)] = ConvolutionExport.GlobalPooling,
        [typeof(GlobalAveragePooling2D)] = ConvolutionExport.GlobalPooling,
        [typeof(GlobalMaxPooling1D)] = ConvolutionExport.GlobalPooling,
        [typeof(GlobalMaxPooling2D)] = ConvolutionExport.GlobalPooling,
        [typeof(BatchNormalization)] = NormalizationExport.BatchNormalization,
        [typeof(LayerNormalization)] = NormalizationExport.LayerNormalization,
        [typeof(GroupNormalization)] = NormalizationExport.GroupNormalization,
        [typeof(InstanceNormalization)] = NormalizationExport.InstanceNormalization,
        [typeof(RMSNormalization)] = NormalizationExport.RmsNormalization,
        [typeof(UnitNormalization)] = NormalizationExport.UnitNormalization,
        [typeof(GhostBatchNormalization)] = BeyondKerasExport.GhostBatchNormalization,
        [typeof(MeanOnlyBatchNormalization)] = BeyondKerasExport.MeanOnlyBatchNormalization,
        [typeof(FilterResponseNormalization)] = BeyondKerasExport.FilterResponseNormalization,
        [typeof(TLU)] = BeyondKerasExport.Tlu,
        [typeof(EvoNormB0)] = BeyondKerasExport.EvoNormB0,
        [typeof(EvoNormS0)] = BeyondKerasExport.EvoNormS0,
        [typeof(SwitchableNormalization)] = BeyondKerasExport.SwitchableNormalization,
        [typeof(BatchInstanceNormalization)] = BeyondKerasExport.BatchInstanceNormalization,
        [typeof(LocalResponseNormalization)] = BeyondKerasExport.LocalResponseNormalization,
        [typeof(Normalization)] = BeyondKerasExport.Normalization,
        [typeof(SpectralNormalization)] = BeyondKerasExport.SpectralNormalization,
        [typeof(WeightNormalization)] = BeyondKerasExport.WeightNormalization,
        [typeof(WeightStandardization)] = BeyondKerasExport.WeightStandardization,
        [typeof(DynamicTanh)] = BeyondKerasExport.DynamicTanh,
        [typeof(ScaleNorm)] = BeyondKerasExport.ScaleNorm,
        [typeof(LayerScale)] = BeyondKerasExport.LayerScale,
        [typeof(PositionEmbedding)] = BeyondKerasExport.PositionEmbedding,
        [typeof(PatchEmbedding)] = BeyondKerasExport.PatchEmbedding,
        [typeof(ReLU)] = ActivationAndPreprocessingExport.Relu,
        [typeof(LeakyReLU)] = ActivationAndPreprocessingExport.LeakyRelu,
        [typeof(ELU)] = ActivationAndPreprocessingExport.Elu,
        [typeof(PReLU)] = ActivationAndPreprocessingExport.PRelu,
        [typeof(Softmax)] = ActivationAndPreprocessingExport.Softmax,
        [typeof(Rescaling)] = ActivationAndPreprocessingExport.Rescaling,
        [typeof(Resizing)] = ActivationAndPreprocessingExport.Resizing,
        [typeof(CenterCrop)] = ActivationAndPreprocessingExport.CenterCrop,
        // Random augmentations and noise are the identity at inference.
        [typeof(RandomFlip)] = CoreExport.Identity,
        [typeof(RandomTranslation)] = CoreExport.Identity,
        [typeof(RandomRotation)] = CoreExport.Identity,
        [typeof(RandomZoom)] = CoreExport.Identity,
        [typeof(RandomContrast)] = CoreExport.Identity,
        [typeof(RandomBrightness)] = CoreExport.Identity,
        [typeof(GaussianNoise)] = CoreExport.Identity,
        [typeof(GaussianDropout)] = CoreExport.Identity,
        [typeof(AlphaDropout)] = CoreExport.Identity,
        [typeof(SpatialDropout1D)] = CoreExport.Identity,
        [typeof(SpatialDropout2D)] = CoreExport.Identity,
        [typeof(ActivityRegularization)] = CoreExport.Identity,
    };

    /// <summary>The layer classes that export.</summary>
    internal static IEnumerable<Type> Supported => Exporters.Keys;

    /// <summary>Writes <paramref name="layer"/> applied to <paramref name="inputs"/>; the result carries the layer's output shape.</summary>
    internal static OnnxValue Export(OnnxGraph g, Layer layer, IReadOnlyList<OnnxValue> inputs)
    {
        if (layer is Sequential sequential)
            return sequential.Layers.Aggregate(inputs[0], (value, inner) => Export(g, inner, [value]));
        if (layer is Model { IsFunctional: true } functional)
        {
            var outputs = ExportGraph(g, functional, inputs);
            return outputs.Length == 1 ? outputs[0]
                : throw new NotSupportedException($"ExportOnnx: the nested model '{layer.Name}' has {outputs.Length} outputs; a nested model exports with one.");
        }
        if (!Exporters.TryGetValue(layer.GetType(), out var exporter))
            throw new NotSupportedException($"ExportOnnx: layer '{layer.Name}' of type {layer.GetType().Name} has no ONNX mapping. " +
                $"Layers that export: {string.Join(", ", Supported.Select(t => t.Name).Order())}.");
        var output = exporter(g, layer, inputs);
        if (inputs.Count > 1) return output;   // a graph call: ExportGraph sets the shape from the node
        int[] probe = [1, .. inputs[0].Shape[1..]];
        var shape = layer.ComputeOutputShape(probe);
        shape[0] = -1;
        return output with { Shape = shape };
    }

    /// <summary>A functional model's calls in order, each on the values of its inputs; the model's outputs.</summary>
    internal static OnnxValue[] ExportGraph(OnnxGraph g, Model model, IReadOnlyList<OnnxValue> inputs)
    {
        var values = new Dictionary<SymbolicTensor, OnnxValue>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < inputs.Count; i++) values[model.Inputs[i]] = inputs[i];
        foreach (var node in model.GraphNodes)
        {
            if (node.Outputs.Length != 1)
                throw new NotSupportedException($"ExportOnnx: layer '{node.Layer.Name}' is called with {node.Outputs.Length} outputs (returnState, scores); the export takes one output per call.");
            var output = Export(g, node.Layer, node.Inputs.Select(t => values[t]).ToList());
            values[node.Outputs[0]] = output with { Shape = [-1, .. node.Outputs[0].Shape] };
        }
        return model.Outputs.Select(o => values[o]).ToArray();
    }

    /// <summary>The weight of <paramref name="layer"/> named <paramref name="name"/> ("gamma", "kernel"), or null.</summary>
    internal static Tensor? Weight(Layer layer, string name) =>
        layer.Weights.FirstOrDefault(w => w.Name == $"{layer.Name}/{name}");

    /// <summary>A weight the layer must have.</summary>
    internal static Tensor RequiredWeight(Layer layer, string name) => Weight(layer, name)
        ?? throw new InvalidOperationException($"ExportOnnx: layer '{layer.Name}' has no weight '{name}' (is it built?).");
}

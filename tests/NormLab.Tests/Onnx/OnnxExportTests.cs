using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Onnx;

/// <summary>
/// Every layer that exports, in a small model with random weights (moving statistics included): ONNX
/// Runtime's output on the exported file equals Predict's within 1e-5 of the output's scale, and the
/// files pass ONNX's checker.
/// </summary>
public class OnnxExportTests
{
    /// <summary>A model, the input shape (batch first) and the opset it is exported for.</summary>
    public sealed record Case(string Name, Func<Model> Create, int[] InputShape, bool Indices = false, int Opset = 17)
    {
        public override string ToString() => Name;
    }

    public static readonly Case[] Cases =
    [
        new("dense_relu_softmax", () => new Sequential([new Dense(8, activation: "relu"), new Dense(5, activation: "softmax")]), [3, 6]),
        new("dense_rank3_gelu", () => new Sequential([new Dense(4, activation: "gelu"), new Dense(3, useBias: false, activation: "tanh")]), [2, 5, 6]),
        new("activations", () => new Sequential([new Dense(6, activation: "elu"), new Activation("swish"), new Activation("sigmoid"),
            new Dense(6, activation: "leaky_relu"), new Activation("softmax")]), [4, 3]),
        new("conv_same_pool", () => new Sequential([new Conv2D(4, (3, 3), padding: "same", activation: "relu"),
            new MaxPooling2D((2, 2)), new Conv2D(3, (2, 2), strides: (2, 1)), new Flatten(), new Dense(2)]), [2, 9, 8, 3]),
        new("conv_dilated_avgpool_same", () => new Sequential([new Conv2D(5, (3, 3), padding: "same", dilationRate: 2),
            new AveragePooling2D((3, 3), strides: (2, 2), padding: "same"), new GlobalAveragePooling2D()]), [2, 7, 9, 2]),
        new("conv_strided_same", () => new Sequential([new Conv2D(4, (3, 3), strides: 2, padding: "same", activation: "sigmoid"),
            new MaxPooling2D((2, 2), padding: "same")]), [1, 7, 6, 2]),
        new("batch_norm_cnn", () => new Sequential([new Conv2D(4, (3, 3)), new BatchNormalization(), new Activation("relu"),
            new BatchNormalization(center: false, scale: false), new Flatten(), new BatchNormalization(epsilon: 0.1)]), [2, 6, 6, 2]),
        new("batch_norm_sequence", () => new Sequential([new BatchNormalization(), new Dense(3)]), [3, 4, 5]),
        new("layer_norm", () => new Sequential([new LayerNormalization(), new Dense(4), new LayerNormalization(center: false)]), [3, 4, 6]),
        new("layer_norm_image_axes", () => new Sequential([new LayerNormalization(axis: new[] { 1, 2, 3 }), new LayerNormalization(axis: new[] { 1, 2 })]), [2, 3, 4, 5]),
        new("layer_norm_rms_scaling", () => new Sequential([new LayerNormalization(rmsScaling: true)]), [3, 7]),
        new("group_norm", () => new Sequential([new Conv2D(8, (1, 1)), new GroupNormalization(groups: 4), new GroupNormalization(groups: -1, center: false)]), [2, 3, 4, 3]),
        new("group_norm_sequence", () => new Sequential([new GroupNormalization(groups: 2)]), [2, 5, 6]),
        new("instance_norm", () => new Sequential([new InstanceNormalization(), new InstanceNormalization(trackRunningStats: true)]), [2, 4, 3, 5]),
        new("rms_norm", () => new Sequential([new RMSNormalization(), new RMSNormalization(axis: new[] { 1, 2 })]), [2, 3, 6]),
        new("unit_norm", () => new Sequential([new UnitNormalization(), new UnitNormalization(axis: new[] { 1, 2 })]), [2, 3, 4]),
        new("embedding_dropout", () => new Sequential([new Embedding(10, 4), new Dropout(0.5), new Flatten(), new Dense(2)]), [3, 5], Indices: true),
        new("ghost_and_mean_only_bn", () => new Sequential([new GhostBatchNormalization(virtualBatchSize: 2), new MeanOnlyBatchNormalization()]), [2, 3, 4, 5]),
        new("frn_tlu", () => new Sequential([new FilterResponseNormalization(), new FilterResponseNormalization(learnedEpsilon: true, useTlu: false), new TLU()]), [2, 3, 4, 5]),
        new("frn_dense", () => new Sequential([new FilterResponseNormalization()]), [3, 6]),
        new("evonorm", () => new Sequential([new EvoNormB0(), new EvoNormS0(groups: 2)]), [2, 3, 4, 6]),
        new("switchable", () => new Sequential([new SwitchableNormalization(), new SwitchableNormalization(useBatchStatistics: false)]), [2, 3, 4, 5]),
        new("switchable_sequence", () => new Sequential([new SwitchableNormalization()]), [3, 4, 5]),
        new("batch_instance", () => new Sequential([new BatchInstanceNormalization()]), [2, 3, 4, 5]),
        new("lrn", () => new Sequential([new LocalResponseNormalization(depthRadius: 2, bias: 2, alpha: 1e-2, beta: 0.75)]), [2, 3, 4, 7]),
        new("normalization_adapted", () => new Sequential([new NormLab.Layers.Normalization(mean: Tensor.FromArray([0.5f, -1, 2], 3), variance: Tensor.FromArray([4f, 0.25f, 1], 3)),
            new NormLab.Layers.Normalization(mean: Tensor.FromArray([1f, 2, 3], 3), variance: Tensor.FromArray([1f, 4, 9], 3), invert: true)]), [2, 4, 3]),
        new("weight_wrappers", () => new Sequential([new SpectralNormalization(new Conv2D(3, (3, 3))), new WeightStandardization(new Conv2D(4, (2, 2))),
            new WeightNormalization(new Conv2D(2, (1, 1), activation: "relu")), new Flatten(), new WeightNormalization(new Dense(3)), new SpectralNormalization(new Dense(2))]), [2, 6, 6, 2]),
        new("modern", () => new Sequential([new DynamicTanh(), new Dense(8), new ScaleNorm(), new LayerScale()]), [2, 5, 6]),
        new("vit_stem", () => new Sequential([new PatchEmbedding(2, 6), new PositionEmbedding(9), new DynamicTanh()]), [2, 6, 4, 3]),
        new("lstm", () => new Sequential([new LSTM(5, returnSequences: true), new LayerNormalization(), new LSTM(3), new Dense(2)]), [2, 4, 3]),
        new("lstm_no_bias", () => new Sequential([new LSTM(4, useBias: false)]), [3, 2, 5]),
        new("activation_layers", () => new Sequential([new ReLU(maxValue: 1.5, negativeSlope: 0.1, threshold: 0.2), new ReLU(), new Dense(6),
            new LeakyReLU(), new ELU(alpha: 0.7), new PReLU(), new Dense(4), new ReLU(maxValue: 6), new Softmax()]), [3, 5]),
        new("prelu_shared_softmax_axes", () => new Sequential([new PReLU(sharedAxes: [1, 2]), new Softmax(axis: new[] { 1, 2 })]), [2, 3, 4, 2]),
        new("preprocessing_inference", () => new Sequential([new Rescaling(1 / 255.0, offset: -0.5), new RandomFlip(), new RandomRotation(0.2),
            new RandomZoom(0.1), new RandomTranslation(0.1, 0.1), new RandomContrast(0.3), new RandomBrightness(0.2), new GaussianNoise(0.5),
            new GaussianDropout(0.3), new AlphaDropout(0.2), new SpatialDropout2D(0.4), new ActivityRegularization(l1: 0.1), new CenterCrop(6, 5)]), [2, 8, 9, 3]),
        new("resizing_bilinear", () => new Sequential([new Resizing(5, 7), new Resizing(9, 4, cropToAspectRatio: true)]), [2, 8, 6, 2]),
        new("resizing_nearest_center_crop_up", () => new Sequential([new Resizing(11, 3, interpolation: "nearest"), new CenterCrop(12, 4)]), [2, 6, 7, 1]),
        new("gru_simple_rnn", () => new Sequential([new GRU(5, returnSequences: true), new SimpleRNN(4, returnSequences: true, goBackwards: true),
            new GRU(3, goBackwards: true), new Dense(2)]), [2, 6, 3]),
        new("simple_rnn_relu_gru_no_bias", () => new Sequential([new SimpleRNN(4, activation: "relu", returnSequences: true), new GRU(3, useBias: false)]), [3, 4, 2]),
        new("bidirectional", () => new Sequential([new Bidirectional(new LSTM(3, returnSequences: true)), new Bidirectional(new GRU(2), mergeMode: "ave"),
            new Dense(2)]), [2, 5, 3]),
        new("bidirectional_sum_mul", () => new Sequential([new Bidirectional(new SimpleRNN(3, returnSequences: true), mergeMode: "sum"),
            new Bidirectional(new GRU(3, returnSequences: true), mergeMode: "mul")]), [2, 4, 2]),
        new("time_distributed", () => new Sequential([new TimeDistributed(new Dense(4, activation: "relu")), new TimeDistributed(new Conv2D(2, (2, 2))),
            new TimeDistributed(new Flatten()), new GRU(3)]), [2, 3, 4, 4, 2]),
        new("multi_head_self_attention", () => new Sequential([new MultiHeadAttention(numHeads: 2, keyDim: 3), new LayerNormalization(),
            new MultiHeadAttention(numHeads: 3, keyDim: 2, valueDim: 4, useBias: false, outputShape: 5)]), [2, 6, 4]),
        new("attention_qk_norms", () => new Sequential([new MultiHeadAttention(numHeads: 2, keyDim: 3, qkNorm: "layer"),
            new MultiHeadAttention(numHeads: 2, keyDim: 4, qkNorm: "rms"), new MultiHeadAttention(numHeads: 3, keyDim: 2, valueDim: 3, qkNorm: "l2")]), [2, 5, 4]),
        // Below opset 17 the "layer" qkNorm is built from primitives instead of LayerNormalization.
        new("attention_qk_layer_norm_opset13", () => new Sequential([new MultiHeadAttention(numHeads: 2, keyDim: 3, qkNorm: "layer")]), [2, 5, 4], Opset: 13),
        new("conv1d_causal_grouped", () => new Sequential([new Conv1D(4, 3, padding: "causal", dilationRate: 2), new Conv1D(6, 2, padding: "same", groups: 2, activation: "relu"),
            new MaxPooling1D(2), new AveragePooling1D(2, padding: "same"), new GlobalAveragePooling1D()]), [2, 11, 2]),
        new("depthwise_separable", () => new Sequential([new DepthwiseConv2D(3, padding: "same", depthMultiplier: 2), new SeparableConv2D(4, (2, 2), strides: 2),
            new Reshape([-1, 4]), new DepthwiseConv1D(2), new SeparableConv1D(3, 2, activation: "tanh"), new GlobalMaxPooling1D(keepdims: true)]), [2, 7, 7, 3]),
        new("transposed_convs", () => new Sequential([new Conv2DTranspose(3, (3, 3), strides: 2, padding: "same"), new Conv2DTranspose(2, (2, 2), strides: 3),
            new Conv2DTranspose(2, (1, 1), strides: 2, padding: "same"), new GlobalMaxPooling2D()]), [2, 4, 5, 3]),
        new("transposed_convs_output_padding", () => new Sequential([new Conv2DTranspose(3, 3, strides: 2, padding: "same", outputPadding: 1),
            new Conv2DTranspose(2, (2, 3), strides: 3, outputPadding: (2, 1)), new Conv2DTranspose(2, 4, strides: (2, 3), padding: "same", outputPadding: (1, 2)),
            new Reshape([-1, 2]), new Conv1DTranspose(2, 3, strides: 2, padding: "same", outputPadding: 1)]), [2, 3, 4, 3]),
        new("conv1d_transpose_grouped_2d", () => new Sequential([new Conv1DTranspose(3, 3, strides: 2, padding: "same"), new Conv1DTranspose(2, 2),
            new Reshape([3, -1, 2]), new Conv2D(4, (2, 2), padding: "same", groups: 2)]), [2, 4, 3]),
        new("reshaping", () => new Sequential([new ZeroPadding2D(((1, 2), (0, 1))), new Cropping2D(((1, 0), (2, 1))), new UpSampling2D((2, 3)),
            new UpSampling2D(2, interpolation: "bilinear"), new Permute([2, 1, 3]), new Reshape([-1, 3]), new UpSampling1D(2), new ZeroPadding1D(1),
            new Cropping1D((2, 1)), new GlobalAveragePooling1D(), new RepeatVector(3)]), [2, 3, 4, 3]),
        new("transformer_post_pre", () => new Sequential([new TransformerEncoder(12, 2), new TransformerEncoder(8, 2, normPlacement: "pre", normalization: "rms"),
            new TransformerEncoder(8, 2, normPlacement: "sandwich", normalization: "dyt"), new TransformerEncoder(6, 1, deepNormLayers: 4, normalization: "scale")]), [2, 5, 4]),
        new("transformer_batch_none", () => new Sequential([new TransformerEncoder(8, 2, normalization: "batch", activation: "gelu"), new TransformerEncoder(8, 2, normalization: "none")]), [3, 4, 6]),
        new("nested_sequential", () => new Sequential([new Sequential([new Dense(4, activation: "relu"), new LayerNormalization()]), new Dense(2)]), [2, 3]),
    ];

    public static TheoryData<Case> AllCases() => new(Cases);

    [Theory]
    [MemberData(nameof(AllCases))]
    public void OnnxRuntimeReproducesPredict(Case c)
    {
        var (model, x) = Build(c);
        var expected = model.Predict(x);
        var path = Temp(c.Name);
        try
        {
            model.ExportOnnx(path, c.Opset);
            var actual = Run(path, x);
            AssertClose(expected, actual, c.Name);
            // Another batch size through the same file: the batch dimension is free.
            var (_, x2) = Build(c, batch: 1, seed: 5);
            AssertClose(model.Predict(x2), Run(path, x2), c.Name + " batch 1");
        }
        finally { File.Delete(path); }
    }

    [OnnxCheckerFact]
    public void ExportedFilesPassOnnxChecker()
    {
        var paths = new List<string>();
        try
        {
            foreach (var c in Cases)
            {
                var (model, _) = Build(c);
                var path = Temp(c.Name);
                model.ExportOnnx(path, c.Opset);
                paths.Add(path);
            }
            var (exit, output) = OnnxChecker.Check(paths);
            Assert.True(exit == 0, output);
            Assert.Contains($"checked {Cases.Length}", output);
        }
        finally { paths.ForEach(File.Delete); }
    }

    [Fact]
    public void UnsupportedLayersAndBadArgumentsAreNamed()
    {
        var model = new Sequential([new Dense(2, inputShape: [3])]);
        Assert.Contains("opset", Assert.Throws<ArgumentException>(() => model.ExportOnnx(Temp("bad"), opset: 7)).Message);
        var unbuilt = new Sequential([new Dense(2)], name: "unbuilt");
        Assert.Contains("'unbuilt' is not built", Assert.Throws<InvalidOperationException>(() => unbuilt.ExportOnnx(Temp("bad"))).Message);
        var custom = new Sequential([new Dense(2, inputShape: [3]), new NoOnnx(name: "mine")]);
        custom.Predict(Tensor.Zeros(1, 3));
        var e = Assert.Throws<NotSupportedException>(() => custom.ExportOnnx(Temp("bad")));
        Assert.Contains("'mine' of type NoOnnx", e.Message);
        Assert.Contains("Dense", e.Message);
        Assert.False(File.Exists(Temp("bad")));
    }

    private sealed class NoOnnx(string? name = null) : Layer(name)
    {
        protected override Tensor Forward(Tensor x, bool training) => x;
    }

    /// <summary>The model built on the case's input, every weight random (variances positive).</summary>
    internal static (Model Model, Tensor X) Build(Case c, int? batch = null, int seed = 3)
    {
        NormLabRandom.SetSeed(11);
        var model = c.Create();
        int[] shape = [batch ?? c.InputShape[0], .. c.InputShape[1..]];
        var x = c.Indices ? Tensor.RandInt(0, 10, shape) : GradCheck.Uniform(seed, -2, 2, shape);
        model.Predict(x);
        var rng = new Random(17);
        foreach (var w in model.Weights)
        {
            bool positive = w.Name!.EndsWith("variance") || w.Name.EndsWith("stddev");
            for (int i = 0; i < w.Size; i++)
                w.Data[i] = positive ? (float)(0.3 + rng.NextDouble()) : (float)(rng.NextDouble() * 2 - 1);
        }
        return (model, x);
    }

    private static float[] Run(string path, Tensor x)
    {
        using var session = new InferenceSession(path);
        var input = new DenseTensor<float>(x.ToArray(), x.Shape);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", input)]);
        return results.Single().AsEnumerable<float>().ToArray();
    }

    private static void AssertClose(Tensor expected, float[] actual, string what)
    {
        var e = expected.ToArray();
        Assert.Equal(e.Length, actual.Length);
        double scale = Math.Max(1e-3, e.Max(v => Math.Abs(v)));
        double worst = e.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= 1e-5 * scale, $"{what}: max |ONNX Runtime - Predict| = {worst:G3} > 1e-5 x {scale:G3}");
    }

    private static string Temp(string name) => Path.Combine(Path.GetTempPath(), $"normlab-onnx-{name}-{Environment.ProcessId}.onnx");
}

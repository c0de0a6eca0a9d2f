using NormLab.Onnx.Import;
using NormLab.Onnx.Proto;
using Xunit;

namespace NormLab.Tests.Onnx;

/// <summary>
/// ONNX's own node test cases (Debian's libonnx-testdata): each model imports and reproduces
/// test_data_set_0's output_0 within 1e-5 of its scale. Harness rules, the same for every case:
/// <list type="bullet">
/// <item>Graph inputs after the first become initializers holding their test data (node tests pass
/// weights as inputs); the first is fed to Predict.</item>
/// <item>Only output_0 is compared, so the graph keeps only its first output (the other outputs are a
/// norm's saved statistics, LSTM/GRU's last state, a Dropout mask or MaxPool's indices).</item>
/// <item>A 4-D (N, C, H, W) input goes to Predict channels-last (N, H, W, C), as the importer makes every
/// 4-D input that does not feed only a Transpose to channels-first (no node test does).</item>
/// </list>
/// Cases NormLab cannot express are listed in <see cref="Unsupported"/> with the reason, and their import
/// must be refused with ImportOnnx's NotSupportedException (not a wrong answer or another exception).
/// </summary>
public class OnnxNodeTests
{
    internal const string Root = "/usr/share/libonnx-testdata/data/node";

    /// <summary>Cases that import and must match ONNX's output, grouped by operator.</summary>
    private static readonly string[] Supported =
    [
        "test_add", "test_add_bcast", "test_sub", "test_sub_bcast", "test_mul", "test_mul_bcast", "test_div", "test_div_bcast",
        "test_relu", "test_sigmoid", "test_tanh",
        "test_leakyrelu", "test_leakyrelu_default",
        "test_softmax_axis_2", "test_softmax_default_axis", "test_softmax_example", "test_softmax_large_number", "test_softmax_negative_axis",
        "test_gemm_alpha", "test_gemm_beta", "test_gemm_default_no_bias", "test_gemm_default_scalar_bias",
        "test_gemm_default_single_elem_vector_bias", "test_gemm_default_vector_bias", "test_gemm_default_zero_bias", "test_gemm_transposeB",
        "test_matmul_2d",
        "test_basic_conv_with_padding", "test_basic_conv_without_padding", "test_conv_with_strides_no_padding", "test_conv_with_strides_padding",
        "test_averagepool_2d_default", "test_averagepool_2d_precomputed_same_upper", "test_averagepool_2d_precomputed_strides",
        "test_averagepool_2d_same_upper", "test_averagepool_2d_strides",
        "test_maxpool_2d_default", "test_maxpool_2d_precomputed_same_upper", "test_maxpool_2d_precomputed_strides",
        "test_maxpool_2d_same_upper", "test_maxpool_2d_strides", "test_maxpool_with_argmax_2d_precomputed_strides",
        "test_averagepool_2d_precomputed_pads", "test_maxpool_2d_precomputed_pads", "test_maxpool_with_argmax_2d_precomputed_pads",
        "test_globalaveragepool", "test_globalaveragepool_precomputed",
        "test_flatten_axis1", "test_flatten_default_axis", "test_flatten_negative_axis3",
        "test_reshape_extended_dims", "test_reshape_negative_dim", "test_reshape_reduced_dims",
        "test_reshape_reordered_last_dims", "test_reshape_zero_and_negative_dim", "test_reshape_zero_dim",
        "test_transpose_all_permutations_1",
        "test_batchnorm_epsilon", "test_batchnorm_example",
        "test_erf", "test_sqrt",
        "test_reduce_mean_keepdims_example", "test_reduce_mean_keepdims_random", "test_reduce_mean_do_not_keepdims_example",
        "test_reduce_mean_do_not_keepdims_random", "test_reduce_mean_negative_axes_keepdims_example", "test_reduce_mean_negative_axes_keepdims_random",
        "test_layer_normalization_2d_axis1", "test_layer_normalization_2d_axis_negative_1", "test_layer_normalization_3d_axis1_epsilon",
        "test_layer_normalization_3d_axis2_epsilon", "test_layer_normalization_3d_axis_negative_1_epsilon", "test_layer_normalization_3d_axis_negative_2_epsilon",
        "test_layer_normalization_4d_axis1", "test_layer_normalization_4d_axis2", "test_layer_normalization_4d_axis3",
        "test_layer_normalization_4d_axis_negative_1", "test_layer_normalization_4d_axis_negative_2", "test_layer_normalization_4d_axis_negative_3",
        "test_layer_normalization_default_axis",
        "test_instancenorm_epsilon", "test_instancenorm_example",
        "test_lrn", "test_lrn_default",
        "test_convtranspose", "test_convtranspose_autopad_same", "test_convtranspose_dilations",
        // Keras's output_padding forms (Conv2DTranspose's outputPadding).
        "test_convtranspose_kernel_shape", "test_convtranspose_output_shape", "test_convtranspose_pad", "test_convtranspose_with_kernel",
        "test_lstm_batchwise",
        "test_squeeze_negative_axes", "test_identity",
        // Slice of a computed tensor along axes other than the batch, step 1.
        "test_slice_neg", "test_slice_end_out_of_bounds",
    ];

    // Reasons shared by several unsupported cases.
    private const string JoinsConstant = "joins a constant that has a batch axis of its own (the second input, passed as test data)";
    private const string Nothing = "the graph is the identity (at inference), and a NormLab model must compute something";
    private const string Expanded = "the expanded form computes shapes at run time (Shape, Size, Slice, ConstantOfShape, Cast)";
    private const string SoftmaxExpanded = "ReduceMax, Exp and ReduceSum do not import";
    private const string Exponent = "an exponent that is not a constant 2 or 0.5 (it is the second input, a tensor)";
    private const string TransposedSize = "an output size or offset that no Keras padding and output padding gives (pads cut from one end only)";
    private const string TimeMajor = "the graph input is time-major (seq, batch, features) and the outputs have the batch at axis 1 or 2; a NormLab model's batch is the first axis of its input and output";
    private const string OneD = "a 1-D input (no axis besides the batch)";
    private const string Padding = "real padding (NormLab has no Pad layer; only a Pad that pads nothing imports)";
    private const string Indices = "several indices (only one scalar index, as in y[:, -1], imports)";
    private const string ConstantsOnly = "Cast and ConstantOfShape import only on constants (the shape arithmetic exporters leave), and here they take the graph input";
    private const string SliceBatch = "slices the batch axis";
    private const string TrainingDropout = "training_mode = true (random masks) and a boolean input";

    /// <summary>Cases that need what a NormLab model cannot express, with the reason.</summary>
    private static readonly Dictionary<string, string> Unsupported = new()
    {
        ["test_add_uint8"] = "integer tensors", ["test_sub_uint8"] = "integer tensors",
        ["test_mul_uint8"] = "integer tensors", ["test_div_uint8"] = "integer tensors", ["test_maxpool_2d_uint8"] = "integer tensors",
        ["test_sigmoid_example"] = OneD, ["test_tanh_example"] = OneD,
        ["test_leakyrelu_example"] = OneD, ["test_dropout_default_old"] = OneD,
        ["test_softmax_axis_0"] = "softmax across the batch axis", ["test_softmax_axis_1"] = "softmax over an axis that is not the last",
        ["test_gemm_transposeA"] = "transposes the batch axis away", ["test_gemm_all_attributes"] = "transposes the batch axis away",
        ["test_gemm_default_matrix_bias"] = "a bias that differs per batch row",
        ["test_matmul_3d"] = "a weight that differs per batch item", ["test_matmul_4d"] = "a weight that differs per batch item",
        ["test_flatten_axis0"] = "flattens the batch axis", ["test_flatten_axis2"] = "flattens the batch axis",
        ["test_flatten_axis3"] = "flattens the batch axis", ["test_flatten_negative_axis1"] = "flattens the batch axis",
        ["test_flatten_negative_axis2"] = "flattens the batch axis", ["test_flatten_negative_axis4"] = "flattens the batch axis",
        ["test_reshape_one_dim"] = "reshapes the batch axis", ["test_reshape_reordered_all_dims"] = "reshapes the batch axis",
        ["test_reshape_allowzero_reordered"] = "a dynamic input shape",
        ["test_transpose_all_permutations_0"] = Nothing,
        ["test_transpose_all_permutations_2"] = "moves the batch axis", ["test_transpose_all_permutations_3"] = "moves the batch axis",
        ["test_transpose_all_permutations_4"] = "moves the batch axis", ["test_transpose_all_permutations_5"] = "moves the batch axis",
        ["test_transpose_default"] = "moves the batch axis",
        ["test_reshape_negative_extended_dims"] = "reshapes the batch axis",
        ["test_concat_2d_axis_1"] = JoinsConstant, ["test_concat_2d_axis_negative_1"] = JoinsConstant, ["test_concat_3d_axis_1"] = JoinsConstant,
        ["test_concat_3d_axis_2"] = JoinsConstant, ["test_concat_3d_axis_negative_1"] = JoinsConstant, ["test_concat_3d_axis_negative_2"] = JoinsConstant,
        ["test_dropout_default"] = Nothing, ["test_dropout_default_mask"] = Nothing, ["test_dropout_default_ratio"] = Nothing,
        ["test_dropout_default_mask_ratio"] = Nothing, ["test_dropout_random_old"] = Nothing,
        ["test_concat_2d_axis_0"] = "concatenates along the batch axis", ["test_concat_2d_axis_negative_2"] = "concatenates along the batch axis",
        ["test_concat_3d_axis_0"] = "concatenates along the batch axis", ["test_concat_3d_axis_negative_3"] = "concatenates along the batch axis",
        ["test_batchnorm_epsilon_training_mode"] = "training_mode (batch statistics and updated running statistics as outputs)",
        ["test_batchnorm_example_training_mode"] = "training_mode (batch statistics and updated running statistics as outputs)",
        ["test_conv_with_autopad_same"] = "SAME_LOWER padding (NormLab's 'same' pads the extra pixel at the end)",
        ["test_conv_with_strides_and_asymmetric_padding"] = "pads that are neither 'valid' nor 'same'",
        ["test_averagepool_2d_same_lower"] = "SAME_LOWER padding (NormLab's 'same' pads the extra pixel at the end)",
        ["test_maxpool_2d_same_lower"] = "SAME_LOWER padding (NormLab's 'same' pads the extra pixel at the end)",
        ["test_averagepool_2d_pads"] = "pads that are neither 'valid' nor 'same'", ["test_maxpool_2d_pads"] = "pads that are neither 'valid' nor 'same'",
        ["test_averagepool_2d_pads_count_include_pad"] = "pads that are neither 'valid' nor 'same'",
        ["test_averagepool_2d_precomputed_pads_count_include_pad"] = "pads that are neither 'valid' nor 'same'",
        ["test_averagepool_2d_ceil"] = "ceil_mode", ["test_maxpool_2d_ceil"] = "ceil_mode", ["test_maxpool_2d_dilations"] = "dilated pooling",
        ["test_layer_normalization_2d_axis0"] = "normalizes across the batch axis",
        ["test_layer_normalization_2d_axis_negative_2"] = "normalizes across the batch axis",
        ["test_layer_normalization_3d_axis0_epsilon"] = "normalizes across the batch axis",
        ["test_layer_normalization_3d_axis_negative_3_epsilon"] = "normalizes across the batch axis",
        ["test_layer_normalization_4d_axis0"] = "normalizes across the batch axis",
        ["test_layer_normalization_4d_axis_negative_4"] = "normalizes across the batch axis",
        ["test_layer_normalization_2d_axis0_expanded"] = Expanded,
        ["test_layer_normalization_2d_axis1_expanded"] = Expanded,
        ["test_layer_normalization_2d_axis_negative_1_expanded"] = Expanded,
        ["test_layer_normalization_2d_axis_negative_2_expanded"] = Expanded,
        ["test_layer_normalization_3d_axis0_epsilon_expanded"] = Expanded,
        ["test_layer_normalization_3d_axis1_epsilon_expanded"] = Expanded,
        ["test_layer_normalization_3d_axis2_epsilon_expanded"] = Expanded,
        ["test_layer_normalization_3d_axis_negative_1_epsilon_expanded"] = Expanded,
        ["test_layer_normalization_3d_axis_negative_2_epsilon_expanded"] = Expanded,
        ["test_layer_normalization_3d_axis_negative_3_epsilon_expanded"] = Expanded,
        ["test_layer_normalization_4d_axis0_expanded"] = Expanded,
        ["test_layer_normalization_4d_axis1_expanded"] = Expanded,
        ["test_layer_normalization_4d_axis2_expanded"] = Expanded,
        ["test_layer_normalization_4d_axis3_expanded"] = Expanded,
        ["test_layer_normalization_4d_axis_negative_1_expanded"] = Expanded,
        ["test_layer_normalization_4d_axis_negative_2_expanded"] = Expanded,
        ["test_layer_normalization_4d_axis_negative_3_expanded"] = Expanded,
        ["test_layer_normalization_4d_axis_negative_4_expanded"] = Expanded,
        ["test_layer_normalization_default_axis_expanded"] = Expanded,
        ["test_softmax_axis_0_expanded"] = SoftmaxExpanded,
        ["test_softmax_axis_1_expanded"] = SoftmaxExpanded,
        ["test_softmax_axis_2_expanded"] = SoftmaxExpanded,
        ["test_softmax_default_axis_expanded"] = SoftmaxExpanded,
        ["test_softmax_example_expanded"] = SoftmaxExpanded,
        ["test_softmax_large_number_expanded"] = SoftmaxExpanded,
        ["test_softmax_negative_axis_expanded"] = SoftmaxExpanded,
        ["test_reduce_mean_default_axes_keepdims_example"] = "reduces the batch axis",
        ["test_reduce_mean_default_axes_keepdims_random"] = "reduces the batch axis",
        ["test_sqrt_example"] = OneD,
        ["test_pow"] = Exponent, ["test_pow_bcast_array"] = Exponent, ["test_pow_example"] = OneD,
        ["test_pow_bcast_scalar"] = OneD,
        ["test_pow_types_float"] = "integer tensors",
        ["test_pow_types_float32_int32"] = "integer tensors",
        ["test_pow_types_float32_int64"] = "integer tensors",
        ["test_pow_types_float32_uint32"] = "integer tensors",
        ["test_pow_types_float32_uint64"] = "integer tensors",
        ["test_pow_types_int"] = "integer tensors",
        ["test_pow_types_int32_float32"] = "integer tensors",
        ["test_pow_types_int32_int32"] = "integer tensors",
        ["test_pow_types_int64_float32"] = "integer tensors",
        ["test_pow_types_int64_int64"] = "integer tensors",
        ["test_convtranspose_1d"] = "1-D transposed convolution (NormLab's Conv1DTranspose is not mapped)",
        ["test_convtranspose_3d"] = "3-D transposed convolution",
        ["test_convtranspose_pads"] = TransposedSize,
        ["test_lstm_defaults"] = TimeMajor, ["test_lstm_with_initial_bias"] = TimeMajor, ["test_lstm_with_peepholes"] = TimeMajor + "; peepholes and a non-zero initial state",
        ["test_gru_defaults"] = TimeMajor + "; linear_before_reset = 0", ["test_gru_seq_length"] = TimeMajor + "; linear_before_reset = 0",
        ["test_gru_with_initial_bias"] = TimeMajor + "; linear_before_reset = 0",
        ["test_gru_batchwise"] = "linear_before_reset = 0 (NormLab's GRU is Keras's reset_after form, ONNX's linear_before_reset = 1)",
        ["test_concat_1d_axis_0"] = OneD, ["test_concat_1d_axis_negative_1"] = OneD, ["test_div_example"] = OneD,
        ["test_mul_example"] = OneD, ["test_sub_example"] = OneD, ["test_gather_negative_indices"] = OneD,
        ["test_constant"] = "no graph input (the output is a constant)",
        ["test_identity_opt"] = "an optional input", ["test_identity_sequence"] = "a sequence input",
        ["test_constant_pad"] = Padding, ["test_edge_pad"] = Padding, ["test_reflect_pad"] = Padding,
        ["test_gather_0"] = "gathers along the batch axis", ["test_gather_1"] = Indices, ["test_gather_2d_indices"] = Indices,
        ["test_mvn_expanded"] = "reduces over the batch axis (axes 0, 2, 3)",
        ["test_squeeze"] = "squeezes the batch axis",
        ["test_training_dropout"] = TrainingDropout, ["test_training_dropout_default"] = TrainingDropout,
        ["test_training_dropout_default_mask"] = TrainingDropout, ["test_training_dropout_mask"] = TrainingDropout,
        ["test_training_dropout_zero_ratio"] = TrainingDropout, ["test_training_dropout_zero_ratio_mask"] = TrainingDropout,
        ["test_cast_BFLOAT16_to_FLOAT"] = ConstantsOnly, ["test_cast_DOUBLE_to_FLOAT"] = ConstantsOnly, ["test_cast_DOUBLE_to_FLOAT16"] = ConstantsOnly,
        ["test_cast_FLOAT16_to_DOUBLE"] = ConstantsOnly, ["test_cast_FLOAT16_to_FLOAT"] = ConstantsOnly, ["test_cast_FLOAT_to_BFLOAT16"] = ConstantsOnly,
        ["test_cast_FLOAT_to_DOUBLE"] = ConstantsOnly, ["test_cast_FLOAT_to_FLOAT16"] = ConstantsOnly, ["test_cast_FLOAT_to_STRING"] = ConstantsOnly,
        ["test_cast_STRING_to_FLOAT"] = ConstantsOnly, ["test_castlike_BFLOAT16_to_FLOAT_expanded"] = ConstantsOnly, ["test_castlike_DOUBLE_to_FLOAT16_expanded"] = ConstantsOnly,
        ["test_castlike_DOUBLE_to_FLOAT_expanded"] = ConstantsOnly, ["test_castlike_FLOAT16_to_DOUBLE_expanded"] = ConstantsOnly, ["test_castlike_FLOAT16_to_FLOAT_expanded"] = ConstantsOnly,
        ["test_castlike_FLOAT_to_BFLOAT16_expanded"] = ConstantsOnly, ["test_castlike_FLOAT_to_DOUBLE_expanded"] = ConstantsOnly, ["test_castlike_FLOAT_to_FLOAT16_expanded"] = ConstantsOnly,
        ["test_castlike_FLOAT_to_STRING_expanded"] = ConstantsOnly, ["test_castlike_STRING_to_FLOAT_expanded"] = ConstantsOnly, ["test_constantofshape_float_ones"] = ConstantsOnly,
        ["test_constantofshape_int_shape_zero"] = ConstantsOnly, ["test_constantofshape_int_zeros"] = ConstantsOnly, ["test_slice"] = SliceBatch,
        ["test_slice_default_axes"] = SliceBatch, ["test_slice_default_steps"] = SliceBatch,
        ["test_slice_neg_steps"] = "negative steps (a Slice of a computed tensor imports with step 1)", ["test_slice_negative_axes"] = SliceBatch,
        ["test_slice_start_out_of_bounds"] = "an empty slice (start past the end)",
        ["test_averagepool_1d_default"] = "1-D pooling", ["test_maxpool_1d_default"] = "1-D pooling",
        ["test_averagepool_3d_default"] = "3-D pooling", ["test_maxpool_3d_default"] = "3-D pooling",
    };

    public static TheoryData<string> SupportedCases() => new(Supported);

    public static TheoryData<string> UnsupportedCases() => new(Unsupported.Keys);

    [OnnxNodeTheory]
    [MemberData(nameof(SupportedCases))]
    public void ImportMatchesOnnxOutput(string name)
    {
        var (model, input, expected) = Load(name);
        var x = input.Rank == 4 ? Ops.Transpose(input, 0, 2, 3, 1) : input;
        var y = model.Predict(x, batchSize: x.Shape[0]);
        Assert.Equal(expected.Shape, y.Shape);
        OnnxImportAssert.Close(expected.ToArray(), y.ToArray(), 1e-5, name);
    }

    [OnnxNodeTheory]
    [MemberData(nameof(UnsupportedCases))]
    public void UnsupportedCaseIsRefused(string name)
    {
        var error = Assert.Throws<NotSupportedException>(() => Load(name));
        Assert.StartsWith("ImportOnnx:", error.Message);
    }

    [Fact]
    public void EveryListedCaseIsListedOnce()
    {
        var all = Supported.Concat(Unsupported.Keys).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
    }

    /// <summary>The case's model (with the harness rules applied), its first input and output_0.</summary>
    private static (Model Model, Tensor Input, Tensor Expected) Load(string name)
    {
        string directory = Path.Combine(Root, name);
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(directory, "model.onnx")));
        var graph = proto.Graph;
        var data = Path.Combine(directory, "test_data_set_0");
        var inputs = graph.Input.Where(i => graph.Initializer.All(t => t.Name != i.Name)).ToList();
        for (int i = 1; i < inputs.Count; i++)
        {
            var tensor = Read(Path.Combine(data, $"input_{i}.pb"));
            tensor.Name = inputs[i].Name;
            graph.Initializer.Add(tensor);
        }
        while (graph.Output.Count > 1) graph.Output.RemoveAt(graph.Output.Count - 1);
        var model = OnnxImporter.Import(proto);
        return (model, OnnxTensors.ToTensor(Read(Path.Combine(data, "input_0.pb"))), OnnxTensors.ToTensor(Read(Path.Combine(data, "output_0.pb"))));
    }

    private static TensorProto Read(string path) => TensorProto.Parser.ParseFrom(File.ReadAllBytes(path));
}

/// <summary>A theory over ONNX's node test data; skipped (with the reason) where libonnx-testdata is not installed.</summary>
public sealed class OnnxNodeTheoryAttribute : TheoryAttribute
{
    public OnnxNodeTheoryAttribute()
    {
        if (!Directory.Exists(OnnxNodeTests.Root)) Skip = $"ONNX's node tests need {OnnxNodeTests.Root}: apt-get install libonnx-testdata";
    }
}

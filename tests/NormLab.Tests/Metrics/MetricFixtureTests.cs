using System.Text.Json.Nodes;
using NormLab.Metrics;
using NormLab.Tests.Normalization;
using Xunit;

namespace NormLab.Tests.Metrics;

/// <summary>
/// The stateful metrics against Keras 3's accumulation over three batches (NumPy, cross-checked with
/// scikit-learn in tests/reference/make_metric_fixtures.py): the result after each batch, and again after a reset.
/// </summary>
public class MetricFixtureTests
{
    [Theory]
    [InlineData("precision")]
    [InlineData("precision_weighted")]
    [InlineData("recall")]
    [InlineData("recall_weighted")]
    [InlineData("auc_roc")]
    [InlineData("auc_roc_weighted")]
    [InlineData("auc_roc_minoring")]
    [InlineData("auc_pr")]
    [InlineData("auc_pr_majoring")]
    [InlineData("top_k")]
    [InlineData("sparse_top_k")]
    [InlineData("f1_macro")]
    [InlineData("f1_micro")]
    [InlineData("f1_weighted")]
    [InlineData("f1_threshold")]
    [InlineData("rmse")]
    [InlineData("mean_iou")]
    [InlineData("mean_iou_ignore")]
    [InlineData("mean")]
    [InlineData("sum")]
    [InlineData("binary_accuracy_weighted")]
    public void Metric_AccumulatesAsKeras(string name)
    {
        var f = NormFixture.Load(name, "metrics");
        var metric = Build(f.Config["metric"]!.GetValue<string>(), (JsonObject)f.Config["args"]!);
        var expected = f.T("result").ToArray();
        for (int round = 0; round < 2; round++)
        {
            metric.ResetState();
            for (int b = 0; b < expected.Length; b++)
            {
                var weight = f.Has($"sample_weight_{b}") ? f.T($"sample_weight_{b}") : null;
                if (metric is Mean and not MeanMetricWrapper and not RootMeanSquaredError || metric is Sum)
                    Update(metric, f.T($"y_pred_{b}"), weight);
                else
                    metric.UpdateState(f.T($"y_true_{b}"), f.T($"y_pred_{b}"), weight);
                double actual = metric.Result();
                Assert.True(Math.Abs(actual - expected[b]) <= 1e-5 + 1e-5 * Math.Abs(expected[b]),
                    $"{name}, round {round}, after batch {b}: expected {expected[b]}, got {actual}");
            }
        }
    }

    private static void Update(Metric metric, Tensor values, Tensor? weight)
    {
        if (metric is Sum sum) sum.UpdateState(values, weight);
        else ((Mean)metric).UpdateState(values, weight);
    }

    /// <summary>The metric a fixture names, built with its Keras arguments (snake_case keys).</summary>
    private static Metric Build(string name, JsonObject args)
    {
        int I(string key, int fallback) => args[key]?.GetValue<int>() ?? fallback;
        string S(string key, string fallback) => args[key]?.GetValue<string>() ?? fallback;
        return name switch
        {
            "precision" => new Precision(args["thresholds"]?.GetValue<double>() ?? 0.5),
            "auc" => new AUC(I("num_thresholds", 200), S("curve", "ROC"), S("summation_method", "interpolation")),
            "top_k_categorical_accuracy" => new TopKCategoricalAccuracy(I("k", 5)),
            "sparse_top_k_categorical_accuracy" => new SparseTopKCategoricalAccuracy(I("k", 5)),
            "f1_score" => new F1Score(S("average", "macro"), args["threshold"]?.GetValue<double>()),
            "mean_iou" => new MeanIoU(I("num_classes", 2), ignoreClass: args["ignore_class"]?.GetValue<int>()),
            "mean" => new Mean(),
            "sum" => new Sum(),
            _ => Metric.Get(name),
        };
    }
}

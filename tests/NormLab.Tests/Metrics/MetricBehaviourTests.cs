using NormLab.Layers;
using NormLab.Losses;
using NormLab.Metrics;
using Xunit;

namespace NormLab.Tests.Metrics;

/// <summary>The Metric base class in Compile/Fit, names, user subclasses and argument errors.</summary>
public class MetricBehaviourTests
{
    /// <summary>A user metric: the largest absolute error of the epoch.</summary>
    private sealed class MaxAbsoluteError : Metric
    {
        private double max;
        public int Updates { get; private set; }
        public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
        {
            max = Math.Max(max, Ops.Abs(Ops.Sub(yPred, yTrue)).ToArray().Max());
            Updates++;
        }
        public override double Result() => max;
        public override void ResetState() => max = 0;
    }

    [Fact]
    public void CustomAndNewMetrics_InFit_AreLoggedByName()
    {
        NormLabRandom.SetSeed(3);
        var x = Tensor.RandN(20, 4);
        var y = Tensor.FromArray(Enumerable.Range(0, 20).Select(i => (float)(i % 3)).ToArray(), 20);
        var model = new Sequential([new Dense(3, activation: "softmax")]);
        var custom = new MaxAbsoluteError();
        model.Compile("adam", "sparse_categorical_crossentropy",
            ["accuracy", new SparseTopKCategoricalAccuracy(k: 2), custom]);
        var history = model.Fit(x, y.Reshape(20, 1), epochs: 2, batchSize: 8, verbose: 0);
        Assert.Equal(3 * 2, custom.Updates);
        Assert.Contains("accuracy", history.Keys);
        Assert.Contains("sparse_top_k_categorical_accuracy", history.Keys);
        Assert.Contains("max_absolute_error", history.Keys);
        // Top-2 accuracy is at least top-1 accuracy.
        Assert.True(history["sparse_top_k_categorical_accuracy"][1] >= history["accuracy"][1]);
        var scores = model.Evaluate(x, y.Reshape(20, 1));
        Assert.InRange(scores["sparse_top_k_categorical_accuracy"], 0, 1);
    }

    [Theory]
    [InlineData("precision", typeof(Precision))]
    [InlineData("recall", typeof(Recall))]
    [InlineData("auc", typeof(AUC))]
    [InlineData("f1_score", typeof(F1Score))]
    [InlineData("top_k_categorical_accuracy", typeof(TopKCategoricalAccuracy))]
    [InlineData("sparse_top_k_categorical_accuracy", typeof(SparseTopKCategoricalAccuracy))]
    [InlineData("root_mean_squared_error", typeof(RootMeanSquaredError))]
    public void Get_ResolvesKerasNames_AndNameRoundTrips(string name, Type type)
    {
        var metric = Metric.Get(name);
        Assert.IsType(type, metric);
        Assert.Equal(name, metric.Name);
        Assert.Equal("mean_io_u", new MeanIoU(3).Name);
        Assert.Equal("mean", new Mean().Name);
    }

    public static TheoryData<Func<Metric>, string, string> BadArguments => new()
    {
        { () => new Precision(thresholds: 1.5), "Precision", "thresholds" },
        { () => new Recall(classId: -1), "Recall", "classId" },
        { () => new AUC(numThresholds: 1), "AUC", "numThresholds" },
        { () => new AUC(curve: "XY"), "AUC", "curve" },
        { () => new AUC(summationMethod: "trapezoid"), "AUC", "summationMethod" },
        { () => new TopKCategoricalAccuracy(k: 0), "TopKCategoricalAccuracy", "k" },
        { () => new SparseTopKCategoricalAccuracy(k: -2), "SparseTopKCategoricalAccuracy", "k" },
        { () => new F1Score(average: "samples"), "F1Score", "average" },
        { () => new F1Score(threshold: 0), "F1Score", "threshold" },
        { () => new FBetaScore(beta: 0), "FBetaScore", "beta" },
        { () => new MeanIoU(0), "MeanIoU", "numClasses" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void BadArgument_NamesClassArgumentAndValue(Func<Metric> create, string owner, string argument)
    {
        var error = Assert.Throws<ArgumentException>(create);
        Assert.Contains(owner, error.Message);
        Assert.Contains(argument, error.Message);
        Assert.Contains("received", error.Message);
    }

    [Fact]
    public void BadData_NamesTheMetricAndValues()
    {
        var iou = Assert.Throws<ArgumentException>(() => new MeanIoU(3).UpdateState(Tensor.FromArray([0f, 3f], 2), Tensor.FromArray([0f, 1f], 2)));
        Assert.Contains("mean_io_u", iou.Message);
        Assert.Contains("3", iou.Message);
        var shapes = Assert.Throws<ArgumentException>(() => new AUC().UpdateState(Tensor.Zeros(4, 2), Tensor.Zeros(4, 3)));
        Assert.Contains("auc", shapes.Message);
        Assert.Contains("(4, 3)", shapes.Message);
        var weights = Assert.Throws<ArgumentException>(() => new Precision().UpdateState(Tensor.Zeros(4, 2), Tensor.Zeros(4, 2), Tensor.Ones(5)));
        Assert.Contains("sampleWeight", weights.Message);
        var mean = Assert.Throws<InvalidOperationException>(() => ((Metric)new Mean()).UpdateState(Tensor.Zeros(2), Tensor.Zeros(2)));
        Assert.Contains("UpdateState(values", mean.Message);
    }

    [Fact]
    public void Precision_ClassId_CountsOneColumn()
    {
        var precision = new Precision(classId: 1);
        // Column 1: predictions 0.9 (label 1), 0.8 (label 0), 0.1 (label 1): tp 1, fp 1.
        precision.UpdateState(Tensor.FromArray([0, 1, 1, 0, 0, 1], 3, 2), Tensor.FromArray([0.9f, 0.9f, 0.9f, 0.8f, 0.9f, 0.1f], 3, 2));
        Assert.Equal(0.5, precision.Result(), 9);
    }
}

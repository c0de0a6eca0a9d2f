using System.Text.Json.Nodes;
using NormLab.Layers;
using NormLab.Saving;

namespace NormLab.Onnx.Import;

/// <summary>The mean over some axes of each sample (ONNX's ReduceMean, which exporters emit for decomposed norms).</summary>
public sealed class OnnxReduceMean : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="axes">The axes averaged over, batch axis included in the numbering (each >= 1).</param>
    /// <param name="keepDims">Whether the reduced axes stay as size 1.</param>
    /// <param name="name">The layer's name.</param>
    public OnnxReduceMean(int[] axes, bool keepDims, string? name = null) : base(name)
    {
        ArgumentNullException.ThrowIfNull(axes);
        if (axes.Length == 0 || axes.Any(a => a < 1) || axes.Distinct().Count() != axes.Length)
            throw new ArgumentException($"{Describe()}: axes must be distinct axes after the batch axis (>= 1), received [{string.Join(", ", axes)}].");
        Axes = axes.Order().ToArray();
        KeepDims = keepDims;
    }

    /// <summary>The axes averaged over, sorted.</summary>
    public int[] Axes { get; }

    /// <summary>Whether the reduced axes stay as size 1.</summary>
    public bool KeepDims { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        ComputeOutputShape(x.Shape);
        return Ops.Mean(x, Axes, KeepDims);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, Axes[^1] + 1);
        return Enumerable.Range(0, inputShape.Length).Where(i => KeepDims || !Axes.Contains(i)).Select(i => Axes.Contains(i) ? 1 : inputShape[i]).ToArray();
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axes"] = ConfigReader.ToJson(Axes);
        config["keep_dims"] = KeepDims;
        return config;
    }

    internal static OnnxReduceMean FromConfig(JsonObject c) => new(c.GetInts("axes") ?? [], c.GetBool("keep_dims", true), c.GetString("name"));
}

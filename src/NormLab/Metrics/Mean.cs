using NormLab.Losses;

namespace NormLab.Metrics;

/// <summary>
/// The weighted mean of values over batches, as keras.metrics.Mean: each sample's values are first
/// averaged, then total += sum w v and count += sum w (the number of samples without weights).
/// </summary>
/// <example><code>var mean = new Mean(); mean.UpdateState(Tensor.FromArray([1f, 3f], 2)); mean.Result(); // 2</code></example>
/// <param name="name">The name; "mean" by default.</param>
public class Mean(string? name = null) : Metric(name)
{
    private double total, count;

    /// <summary>Adds a batch of values (a scalar counts as one sample).</summary>
    /// <param name="values">The values, batch first.</param>
    /// <param name="sampleWeight">One weight per sample, shape (batch) or (batch, 1); null weighs all samples 1.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="values"/> is null.</exception>
    /// <exception cref="ArgumentException">When <paramref name="sampleWeight"/> does not hold one finite, non-negative weight per sample.</exception>
    public void UpdateState(Tensor values, Tensor? sampleWeight = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        var (perSample, weights) = SampleValues.Reduce(values, sampleWeight, average: true, GetType().Name);
        for (int i = 0; i < perSample.Length; i++) { total += weights[i] * perSample[i]; count += weights[i]; }
    }

    /// <summary>Not for <see cref="Mean"/>, which accumulates values: use <see cref="UpdateState(Tensor, Tensor?)"/>,
    /// or <see cref="MeanMetricWrapper"/> to average a function of (yTrue, yPred).</summary>
    /// <param name="yTrue">Unused.</param>
    /// <param name="yPred">Unused.</param>
    /// <param name="sampleWeight">Unused.</param>
    /// <exception cref="InvalidOperationException">Always: a Mean accumulates values.</exception>
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null) =>
        throw new InvalidOperationException($"{GetType().Name} '{Name}' accumulates values: call UpdateState(values, sampleWeight), or use MeanMetricWrapper to average a function of (yTrue, yPred).");

    /// <summary>The weighted mean so far (0 before any sample, as Keras's divide_no_nan).</summary>
    public override double Result() => count == 0 ? 0 : total / count;

    /// <inheritdoc/>
    public override void ResetState() => total = count = 0;
}

/// <summary>The weighted sum of values over batches, as keras.metrics.Sum: total += sum w (sum of each sample's values).</summary>
/// <param name="name">The name; "sum" by default.</param>
public sealed class Sum(string? name = null) : Metric(name)
{
    private double total;

    /// <summary>Adds a batch of values (a scalar counts as one sample).</summary>
    /// <param name="values">The values, batch first.</param>
    /// <param name="sampleWeight">One weight per sample, shape (batch) or (batch, 1); null weighs all samples 1.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="values"/> is null.</exception>
    /// <exception cref="ArgumentException">When <paramref name="sampleWeight"/> does not hold one finite, non-negative weight per sample.</exception>
    public void UpdateState(Tensor values, Tensor? sampleWeight = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        var (perSample, weights) = SampleValues.Reduce(values, sampleWeight, average: false, nameof(Sum));
        for (int i = 0; i < perSample.Length; i++) total += weights[i] * perSample[i];
    }

    /// <summary>Not for <see cref="Sum"/>, which accumulates values: use <see cref="UpdateState(Tensor, Tensor?)"/>.</summary>
    /// <param name="yTrue">Unused.</param>
    /// <param name="yPred">Unused.</param>
    /// <param name="sampleWeight">Unused.</param>
    /// <exception cref="InvalidOperationException">Always: a Sum accumulates values.</exception>
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null) =>
        throw new InvalidOperationException($"Sum '{Name}' accumulates values: call UpdateState(values, sampleWeight).");

    /// <summary>The weighted sum so far.</summary>
    public override double Result() => total;

    /// <inheritdoc/>
    public override void ResetState() => total = 0;
}

/// <summary>Values reduced to one per sample, with their weights (Keras's reduce_to_samplewise_values).</summary>
internal static class SampleValues
{
    internal static (double[] values, float[] weights) Reduce(Tensor values, Tensor? sampleWeight, bool average, string who)
    {
        int samples = values.Rank == 0 ? 1 : values.Dims[0];
        int width = samples == 0 ? 0 : values.Size / samples;
        var perSample = new double[samples];
        for (int i = 0; i < samples; i++)
        {
            double sum = 0;
            for (int j = 0; j < width; j++) sum += values.Data[i * width + j];
            perSample[i] = average && width > 0 ? sum / width : sum;
        }
        var weights = sampleWeight == null ? Enumerable.Repeat(1f, samples).ToArray() : SampleWeights.Read(sampleWeight, samples, who);
        return (perSample, weights);
    }
}

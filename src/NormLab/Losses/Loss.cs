using NormLab.Autograd;

namespace NormLab.Losses;

/// <summary>
/// A training objective reduced to the mean over the batch (Keras's "sum_over_batch_size").
/// Each loss is one fused op with a hand-written gradient. Strings work wherever a loss is expected:
/// <c>loss: "sparse_categorical_crossentropy"</c>.
/// </summary>
public abstract class Loss
{
    /// <summary>Keras clips probabilities to [1e-7, 1 - 1e-7] before taking logs.</summary>
    protected const float Epsilon = 1e-7f;

    private static readonly Dictionary<string, Func<bool, Loss>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sparse_categorical_crossentropy"] = logits => new SparseCategoricalCrossentropy(logits),
        ["categorical_crossentropy"] = logits => new CategoricalCrossentropy(logits),
        ["binary_crossentropy"] = logits => new BinaryCrossentropy(logits),
        ["mse"] = _ => new MeanSquaredError(),
        ["mean_squared_error"] = _ => new MeanSquaredError(),
        ["mae"] = _ => new MeanAbsoluteError(),
        ["mean_absolute_error"] = _ => new MeanAbsoluteError(),
    };

    /// <summary>The Keras name.</summary>
    public abstract string Name { get; }

    /// <summary>Whether predictions are logits rather than probabilities.</summary>
    public virtual bool FromLogits => false;

    /// <summary>The metric "accuracy" resolves to for this loss (as Keras's compile does).</summary>
    internal virtual string AccuracyMetric => "binary_accuracy";

    /// <summary>The scalar loss (shape []), differentiable with respect to <paramref name="yPred"/>.</summary>
    /// <param name="yTrue">The targets.</param>
    /// <param name="yPred">The predictions; the first axis is the batch.</param>
    /// <param name="sampleWeight">Optional weight per sample, shape (batch,): the loss is then
    /// sum(w_i * loss_i) / batch, Keras's "sum_over_batch_size" (not divided by the sum of the weights).</param>
    public Tensor Compute(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        ArgumentNullException.ThrowIfNull(yTrue);
        ArgumentNullException.ThrowIfNull(yPred);
        // A zero-sized axis anywhere leaves samples without values (categorical: without classes).
        if (yPred.Rank < 1 || yPred.Size == 0)
            throw new ArgumentException($"{GetType().Name}: predictions must be non-empty (at least one sample, each with at least one value), received shape {Shapes.Format(yPred.Dims)}.");
        var gradient = new float[yPred.Size];
        double total = Evaluate(yTrue, yPred, gradient);
        int batch = yPred.Dims[0];
        if (sampleWeight != null) total = Weigh(yTrue, yPred, sampleWeight, gradient);
        System.Numerics.Tensors.TensorPrimitives.Multiply(gradient, 1f / batch, gradient);
        var loss = new Tensor([(float)(total / batch)], []);
        return Tape.Record(loss, [yPred], g =>
        {
            var scaled = new float[gradient.Length];
            System.Numerics.Tensors.TensorPrimitives.Multiply(gradient, g.Data[0], scaled);
            return [new Tensor(scaled, yPred.Shape)];
        });
    }

    /// <summary>
    /// sum(w_i * loss_i), scaling each sample's rows of <paramref name="gradient"/> by its weight. Every
    /// loss is a sum of independent per-sample terms, so each sample's loss is Evaluate on its own rows.
    /// </summary>
    private double Weigh(Tensor yTrue, Tensor yPred, Tensor sampleWeight, float[] gradient)
    {
        int batch = yPred.Dims[0], width = yPred.Size / batch;
        if (sampleWeight.Size != batch || sampleWeight.Rank > 2 || (sampleWeight.Rank == 2 && sampleWeight.Dims[1] != 1))
            throw new ArgumentException($"{GetType().Name}: sampleWeight must have one value per sample, shape ({batch},), received shape {Shapes.Format(sampleWeight.Dims)}.");
        var scratch = new float[width];
        double total = 0;
        for (int i = 0; i < batch; i++)
        {
            float w = sampleWeight.Data[i];
            if (!float.IsFinite(w))
                throw new ArgumentException($"{GetType().Name}: sampleWeight[{i}] is {w}; sample weights must be finite.");
            total += w * Evaluate(Batches.Rows(yTrue, i, 1), Batches.Rows(yPred, i, 1), scratch);
            System.Numerics.Tensors.TensorPrimitives.Multiply(gradient.AsSpan(i * width, width), w, gradient.AsSpan(i * width, width));
        }
        return total;
    }

    /// <summary>
    /// Validates the shapes, returns the sum over samples of the per-sample loss, and writes into
    /// <paramref name="gradient"/> the derivative of that sum with respect to each prediction.
    /// </summary>
    protected abstract double Evaluate(Tensor yTrue, Tensor yPred, float[] gradient);

    /// <summary>The loss with this Keras name; unknown names list the valid ones.</summary>
    public static Loss Get(string name, bool fromLogits = false)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Factories.TryGetValue(name, out var factory))
            throw new ArgumentException($"Unknown loss '{name}'. Valid loss names: {string.Join(", ", Factories.Keys.Order())}.");
        return factory(fromLogits);
    }

    /// <summary>Lets a Keras name be written where a loss is expected.</summary>
    public static implicit operator Loss(string name) => Get(name);

    /// <summary>Throws unless both tensors have the same shape.</summary>
    protected void RequireSameShape(Tensor yTrue, Tensor yPred)
    {
        if (!Shapes.Equal(yTrue.Dims, yPred.Dims))
            throw new ArgumentException($"{GetType().Name}: targets of shape {Shapes.Format(yTrue.Dims)} do not match predictions of shape {Shapes.Format(yPred.Dims)}.");
    }
}

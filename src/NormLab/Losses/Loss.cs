using NormLab.Autograd;
using NormLab.Layers;

namespace NormLab.Losses;

/// <summary>
/// A training objective: <see cref="Call"/> gives one loss per sample, and <see cref="Compute"/> weights
/// them and takes their mean (Keras's reduction "sum_over_batch_size"). The built-in losses are fused ops
/// with hand-written gradients; a custom loss overrides <see cref="Call"/> with tensor ops and autograd
/// differentiates it. Strings work wherever a loss is expected: <c>loss: "sparse_categorical_crossentropy"</c>.
/// </summary>
/// <example><code>
/// sealed class MeanCubicError : Loss
/// {
///     public override Tensor Call(Tensor yTrue, Tensor yPred) =>
///         Ops.Mean(Ops.Abs(Ops.Mul(Ops.Square(Ops.Sub(yPred, yTrue)), Ops.Sub(yPred, yTrue))), [1]);
/// }
/// model.Compile(optimizer: "adam", loss: new MeanCubicError());
/// </code></example>
public abstract class Loss
{
    /// <summary>Keras clips probabilities to [1e-7, 1 - 1e-7] before taking logs.</summary>
    protected const float Epsilon = 1e-7f;

    private static readonly Dictionary<string, Func<bool, Loss>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sparse_categorical_crossentropy"] = logits => new SparseCategoricalCrossentropy(logits),
        ["categorical_crossentropy"] = logits => new CategoricalCrossentropy(logits),
        ["binary_crossentropy"] = logits => new BinaryCrossentropy(logits),
        ["binary_focal_crossentropy"] = logits => new BinaryFocalCrossentropy(fromLogits: logits),
        ["categorical_focal_crossentropy"] = logits => new CategoricalFocalCrossentropy(fromLogits: logits),
        ["mse"] = _ => new MeanSquaredError(),
        ["mean_squared_error"] = _ => new MeanSquaredError(),
        ["mae"] = _ => new MeanAbsoluteError(),
        ["mean_absolute_error"] = _ => new MeanAbsoluteError(),
        ["huber"] = _ => new Huber(),
        ["huber_loss"] = _ => new Huber(),
        ["log_cosh"] = _ => new LogCosh(),
        ["kl_divergence"] = _ => new KLDivergence(),
        ["kld"] = _ => new KLDivergence(),
        ["poisson"] = _ => new Poisson(),
        ["hinge"] = _ => new Hinge(),
        ["squared_hinge"] = _ => new SquaredHinge(),
        ["categorical_hinge"] = _ => new CategoricalHinge(),
        ["cosine_similarity"] = _ => new CosineSimilarity(),
    };

    /// <summary>The Keras name; by default the class name in snake_case, as Keras names a loss.</summary>
    public virtual string Name => Layer.SnakeCase(GetType().Name);

    /// <summary>Whether predictions are logits rather than probabilities.</summary>
    public virtual bool FromLogits => false;

    /// <summary>The metric "accuracy" resolves to for this loss (as Keras's compile does).</summary>
    internal virtual string AccuracyMetric => "binary_accuracy";

    /// <summary>
    /// The scalar loss (shape []), differentiable with respect to <paramref name="yPred"/>: the losses of
    /// <see cref="Call"/>, each multiplied by its sample's weight when <paramref name="sampleWeight"/> is
    /// given, summed and divided by their number (not by the sum of the weights, as Keras).
    /// </summary>
    /// <param name="yTrue">The targets.</param>
    /// <param name="yPred">The predictions, batch first.</param>
    /// <param name="sampleWeight">One weight per sample, shape (batch) or (batch, 1); null weighs all samples 1.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="yTrue"/> or <paramref name="yPred"/> is null.</exception>
    /// <exception cref="ArgumentException">When <paramref name="yPred"/> is a scalar or empty, or <paramref name="sampleWeight"/> does not hold one finite, non-negative weight per sample.</exception>
    /// <exception cref="InvalidOperationException">When <see cref="Call"/> does not return one loss per sample.</exception>
    public Tensor Compute(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        ArgumentNullException.ThrowIfNull(yTrue);
        ArgumentNullException.ThrowIfNull(yPred);
        // A zero-sized axis anywhere leaves samples without values (categorical: without classes).
        if (yPred.Rank < 1 || yPred.Size == 0)
            throw new ArgumentException($"{GetType().Name}: predictions must be non-empty (at least one sample, each with at least one value), received shape {Shapes.Format(yPred.Dims)}.");
        var losses = Call(yTrue, yPred);
        if (losses.Rank < 1 || losses.Dims[0] != yPred.Dims[0])
            throw new InvalidOperationException($"{GetType().Name}.Call must return one loss per sample (shape ({yPred.Dims[0]}, ...)), returned shape {Shapes.Format(losses.Dims)} for predictions of shape {Shapes.Format(yPred.Dims)}.");
        if (sampleWeight != null)
        {
            var weights = SampleWeights.Read(sampleWeight, yPred.Dims[0], GetType().Name);
            var broadcastable = new int[losses.Rank];
            Array.Fill(broadcastable, 1);
            broadcastable[0] = weights.Length;
            losses = Ops.Mul(losses, Tensor.FromArray(weights, broadcastable));
        }
        return Ops.Affine(Ops.Sum(losses), 1.0 / losses.Size);
    }

    /// <summary>
    /// The unreduced losses, batch first (usually shape (batch)), as Keras's <c>Loss.call</c>. A custom
    /// loss overrides this with tensor ops; autograd differentiates it.
    /// </summary>
    /// <param name="yTrue">The targets.</param>
    /// <param name="yPred">The predictions, batch first.</param>
    public abstract Tensor Call(Tensor yTrue, Tensor yPred);

    /// <summary>
    /// One loss per sample from a fused kernel: <paramref name="evaluate"/> writes each sample's loss and
    /// d(that loss)/d(<paramref name="source"/>); the backward scales each sample's gradient by its seed.
    /// </summary>
    internal static Tensor PerSample(Tensor source, Action<double[], float[]> evaluate)
    {
        int batch = source.Dims[0], width = source.Size / batch;
        var losses = new double[batch];
        var gradient = new float[source.Size];
        evaluate(losses, gradient);
        var output = new Tensor(losses.Select(v => (float)v).ToArray(), [batch]);
        return Tape.Record(output, [source], g =>
        {
            var scaled = new float[gradient.Length];
            for (int i = 0; i < batch; i++)
                System.Numerics.Tensors.TensorPrimitives.Multiply(gradient.AsSpan(i * width, width), g.Data[i], scaled.AsSpan(i * width, width));
            return [new Tensor(scaled, source.Shape)];
        });
    }

    /// <summary>The loss with this Keras name; unknown names list the valid ones.</summary>
    /// <param name="name">A Keras loss name, e.g. "categorical_crossentropy" or "huber".</param>
    /// <param name="fromLogits">For the cross-entropies: whether predictions are logits.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException">When <paramref name="name"/> is not a known loss name.</exception>
    public static Loss Get(string name, bool fromLogits = false)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Factories.TryGetValue(name, out var factory))
            throw new ArgumentException($"Unknown loss '{name}'. Valid loss names: {string.Join(", ", Factories.Keys.Order())}.");
        return factory(fromLogits);
    }

    /// <summary>Lets a Keras name be written where a loss is expected.</summary>
    /// <param name="name">A Keras loss name such as "mse" or "sparse_categorical_crossentropy", e.g. <c>loss: "mse"</c> in Compile.</param>
    public static implicit operator Loss(string name) => Get(name);

    /// <summary>
    /// Throws unless both tensors hold the same values per sample: the same shape, or, as Keras
    /// squeezes, the same but for a trailing axis of size 1 on one of them ((N) against (N, 1)).
    /// </summary>
    private protected void RequireMatchingShapes(Tensor yTrue, Tensor yPred)
    {
        if (!Shapes.Equal(Squeezed(yTrue.Dims), Squeezed(yPred.Dims)) || yTrue.Dims[0] != yPred.Dims[0])
            throw new ArgumentException($"{GetType().Name}: targets of shape {Shapes.Format(yTrue.Dims)} do not match predictions of shape {Shapes.Format(yPred.Dims)}.");
    }

    private static ReadOnlySpan<int> Squeezed(ReadOnlySpan<int> dims) => dims.Length > 1 && dims[^1] == 1 ? dims[..^1] : dims;

    /// <summary>Throws unless <paramref name="value"/> lies in [0, 1] (Keras's label smoothing, alpha).</summary>
    private protected static double RequireFraction(double value, string argument, string owner) =>
        value is >= 0 and <= 1 ? value : throw new ArgumentException($"{owner}: {argument} must be in [0, 1], received {value}.");
}
